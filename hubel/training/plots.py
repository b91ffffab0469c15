"""Figures of a run: loss and accuracy curves, and the confusion matrix (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: list[dict], path: str | Path) -> Path:
    """Train/validation loss and accuracy per epoch, side by side."""
    plt = _pyplot()
    epochs = [row["epoch"] for row in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for split, style in (("train", "-o"), ("val", "-s")):
        if f"{split}_loss" in history[0]:
            ax_loss.plot(epochs, [r[f"{split}_loss"] for r in history], style, label=split)
            ax_acc.plot(epochs, [r[f"{split}_accuracy"] for r in history], style, label=split)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_confusion(confusion: np.ndarray, classes, path: str | Path) -> Path:
    """The confusion matrix as a heat map: rows true classes, columns predictions."""
    plt = _pyplot()
    n = len(classes)
    fig, ax = plt.subplots(figsize=(1 + 0.6 * n, 1 + 0.5 * n))
    image = ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(n), classes, rotation=45, ha="right")
    ax.set_yticks(range(n), classes)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test set)")
    threshold = confusion.max() / 2 if confusion.size else 0
    for i in range(n):
        for j in range(n):
            color = "white" if confusion[i, j] > threshold else "black"
            ax.text(j, i, str(confusion[i, j]), ha="center", va="center", fontsize=8, color=color)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
