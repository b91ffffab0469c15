"""Overfitting, and the regularisers that fight it.

Lesson: on a small, noisy training set a big network learns the noise: its training loss keeps
falling while the validation loss turns around and climbs. L2 (small weights) and data
augmentation (never the same example twice) hold the validation loss near its best; L1 (many
weights exactly zero) and dropout (no unit can rely on another) cut its climb by more than half.
In the quick form (800 steps) the unregularised training loss ends at 0.03-0.17 and its
validation loss at 2-4x its best over seeds 0-4; the tests assert these margins for seeds 0-2.

The data: 100 training points of two noisy, overlapping spirals and 1,000 validation points
from the same distribution. The net: a 2-128-128-128-2 ReLU MLP trained with SGD + momentum.
Augmentation for points in the plane is jitter: each batch is moved by Gaussian noise, the 2-D
counterpart of the crops and flips used on images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import functional as F
from .. import optim
from ..backend import manual_seed
from ..data.transforms import Transform
from ..models import MLP
from .common import (
    batches,
    decision_regions,
    evaluate,
    jsonable,
    plot_regions,
    pyplot,
    save_figure,
    spirals,
    train,
)
from .registry import register_experiment

LESSON = (
    "Unregularised, a big net fits 100 noisy points ever closer while its validation loss climbs "
    "to 2-4x its best; L2 and augmentation hold the validation loss near its best, and L1 "
    "(sparse weights) and dropout cut its climb by more than half."
)
L2_WEIGHT, L1_WEIGHT, DROPOUT, JITTER = 0.01, 0.001, 0.3, 0.3
SETTINGS = ("none", "L2", "L1", "dropout", "augmentation")
SPARSE_BELOW = 1e-3  # a weight counts as zero below this magnitude


class Jitter(Transform):
    """Add N(0, sigma²) noise to every coordinate of a batch of points: data augmentation."""

    def __init__(self, sigma: float) -> None:
        self.sigma = sigma

    def __call__(self, points: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = np.random.default_rng() if rng is None else rng
        return (points + rng.normal(0.0, self.sigma, points.shape)).astype(points.dtype)


def _train_setting(
    setting: str,
    train_data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    steps: int,
    every: int,
    seed: int,
    axis: np.ndarray,
) -> dict:
    """Train the MLP under one setting, evaluating both sets every ``every`` steps; the
    decision regions on the grid ``axis`` x ``axis`` at the end."""
    manual_seed(seed)
    model = MLP(
        2, hidden=(128, 128, 128), num_classes=2, dropout=DROPOUT if setting == "dropout" else 0.0
    )
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    penalty = {
        "L2": lambda: F.l2_penalty(weights, L2_WEIGHT),
        "L1": lambda: F.l1_penalty(weights, L1_WEIGHT),
    }.get(setting)
    transform = Jitter(JITTER) if setting == "augmentation" else None
    data = batches(*train_data, 50, seed, transform=transform)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    keys = ("step", "train_loss", "train_accuracy", "val_loss", "val_accuracy")
    history = {key: [] for key in keys}
    for done in range(every, steps + 1, every):
        train(model, optimizer, data, every, penalty=penalty)
        train_loss, train_accuracy = evaluate(model, *train_data)
        val_loss, val_accuracy = evaluate(model, *val_data)
        row = (done, train_loss, train_accuracy, val_loss, val_accuracy)
        for key, value in zip(history, row):
            history[key].append(value)
    magnitudes = np.abs(np.concatenate([w.detach().numpy().ravel() for w in weights]))
    model.eval()
    return {
        **history,
        "sparsity": float((magnitudes < SPARSE_BELOW).mean()),
        "weight_magnitudes": np.quantile(magnitudes, np.linspace(0, 1, 101)),
        "regions": decision_regions(model, axis),
    }


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train the MLP under each setting; record train and validation curves, the share of
    (near-)zero weights, the magnitudes' quantiles and the decision regions."""
    steps = 800 if quick else 4000
    points, labels = spirals(1100, noise=0.4, seed=seed)
    train_data, val_data = (points[:100], labels[:100]), (points[100:], labels[100:])
    axis = np.linspace(-4.5, 4.5, 61, dtype=np.float32)
    settings = {}
    for setting in SETTINGS:
        settings[setting] = _train_setting(setting, train_data, val_data, steps, 50, seed, axis)
    return jsonable(
        {
            "train_points": train_data[0],
            "train_labels": train_data[1],
            "grid_axis": axis,
            "settings": settings,
            "weights": {"L2": L2_WEIGHT, "L1": L1_WEIGHT, "dropout": DROPOUT, "jitter": JITTER},
        }
    )


def key_numbers(data: dict) -> dict:
    """Final train and validation loss and accuracy, and the share of zero weights."""
    numbers = {}
    for setting, entry in data["settings"].items():
        numbers[f"{setting}: train loss"] = entry["train_loss"][-1]
        numbers[f"{setting}: validation loss (best {min(entry['val_loss']):.3f})"] = entry[
            "val_loss"
        ][-1]
        numbers[f"{setting}: train / validation accuracy"] = (
            f"{entry['train_accuracy'][-1]:.0%} / {entry['val_accuracy'][-1]:.0%}"
        )
    for setting, entry in data["settings"].items():
        numbers[f"{setting}: weights below {SPARSE_BELOW:g}"] = entry["sparsity"]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Top: train (dashed) and validation (solid) loss per setting. Bottom: each setting's
    decision regions over the training points, and the weight magnitudes."""
    plt = pyplot()
    settings = data["settings"]
    fig = plt.figure(figsize=(17, 7.5))
    grid = fig.add_gridspec(2, len(settings))
    curves = fig.add_subplot(grid[0, :3])
    for index, (setting, entry) in enumerate(settings.items()):
        color = f"C{index}"
        curves.plot(entry["step"], entry["val_loss"], "-", color=color, label=f"{setting} (val)")
        curves.plot(entry["step"], entry["train_loss"], "--", color=color, linewidth=1)
    curves.set(
        title="validation (solid) and training (dashed) loss",
        xlabel="step",
        ylabel="cross-entropy",
        yscale="log",
    )
    curves.legend(fontsize=8, ncol=2)
    curves.grid(alpha=0.3)
    magnitudes = fig.add_subplot(grid[0, 3:])
    for index, (setting, entry) in enumerate(settings.items()):
        quantiles = np.maximum(entry["weight_magnitudes"], 1e-8)
        label = f"{setting}: {entry['sparsity']:.0%} below {SPARSE_BELOW:g}"
        shares = np.linspace(0, 1, len(quantiles))
        magnitudes.semilogx(quantiles, shares, color=f"C{index}", label=label)
    magnitudes.axvline(SPARSE_BELOW, color="grey", linewidth=0.8)
    magnitudes.set(title="|weights|: cumulative share", xlabel="|w|")
    magnitudes.legend(fontsize=8)
    magnitudes.grid(alpha=0.3)
    axis = np.asarray(data["grid_axis"])
    points, labels = np.asarray(data["train_points"]), np.asarray(data["train_labels"])
    for index, (setting, entry) in enumerate(settings.items()):
        ax = fig.add_subplot(grid[1, index])
        plot_regions(ax, axis, entry["regions"], points, labels, size=8)
        ax.set_title(f"{setting}: val {entry['val_accuracy'][-1]:.0%}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Overfitting 100 noisy points: the regularisers hold the validation loss down")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("overfitting", LESSON, run, key_numbers, render)
