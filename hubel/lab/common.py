"""What the experiments share: small data sets, a training loop on arrays, per-layer gradient
norms, JSON conversion and the figure helpers."""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .. import functional as F
from .. import nn
from ..autograd import no_grad
from ..data import DataLoader, TensorDataset, load_digits
from ..tensor import Tensor, from_numpy
from ..training.plots import _pyplot

FIGURE_DPI = 80  # keeps each gallery PNG around 60-120 KB


def jsonable(value: Any) -> Any:
    """``value`` with NumPy arrays and scalars turned into lists and Python numbers, tuples into
    lists and NaN or infinities into None, so that strict JSON (``allow_nan=False``) holds it."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the file-only Agg backend, imported on first use."""
    return _pyplot()


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` as a small PNG (a 256-colour palette, which line plots never miss) and
    close it."""
    from PIL import Image  # matplotlib's own dependency

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=FIGURE_DPI)
    _pyplot().close(fig)
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(256).save(path, optimize=True)
    return path


# ------------------------------------------------------------------------------------ data
def digits(
    train: bool = True, count: int | None = None, size: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits as float32 images ``(N, 1, size, size)`` in [0, 1] and int64 labels.

    ``count`` draws that many images at random (seeded), ``size`` (a multiple of 8) enlarges
    each pixel into a size/8 x size/8 block, the way a bigger screen shows the same image.
    """
    images, labels = load_digits()[0 if train else 1]
    if count is not None:
        pick = np.random.default_rng(seed).permutation(len(labels))[:count]
        images, labels = images[pick], labels[pick]
    scale = size // 8
    images = images.astype(np.float32) / 16.0
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    return images[:, None], labels.astype(np.int64)


def spirals(
    count: int, turns: float = 1.5, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane, ``(count, 2)`` points and labels 0/1: no straight
    line separates them, so a linear model can do little better than chance."""
    rng = np.random.default_rng(seed)
    half = count // 2
    radius = np.sqrt(rng.uniform(0.05, 1.0, half)) * 3.0
    angle = radius / 3.0 * turns * 2 * np.pi
    arm = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points = np.concatenate([arm, -arm]) + rng.normal(0.0, noise, (2 * half, 2))
    labels = np.repeat(np.arange(2), half)
    order = rng.permutation(2 * half)
    return points[order].astype(np.float32), labels[order].astype(np.int64)


def decision_regions(model: nn.Module, axis: np.ndarray) -> np.ndarray:
    """The class ``model`` predicts at every point of the square grid ``axis`` x ``axis``,
    shape (len(axis), len(axis)): row i is y = axis[i]."""
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2).astype(np.float32)
    with no_grad():
        return model(from_numpy(grid)).detach().numpy().argmax(axis=1).reshape(len(axis), len(axis))


def plot_regions(ax, axis, regions, points, labels, size: float = 6) -> None:
    """Two-class decision regions (``decision_regions``) shaded, the points on top."""
    ax.contourf(
        axis, axis, np.asarray(regions), levels=[-0.5, 0.5, 1.5], colors=["#cfe0f3", "#f8d4c4"]
    )
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", s=size)


def batches(
    inputs: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int = 0,
    transform: Callable | None = None,
) -> Iterator[tuple[Tensor, Tensor]]:
    """Shuffled mini-batches, epoch after epoch, without end (the library's DataLoader);
    ``transform`` (e.g. an augmentation) acts on each batch of inputs."""
    dataset = TensorDataset(inputs, labels, transform=transform)
    loader = DataLoader(dataset, batch_size, shuffle=True, drop_last=True, seed=seed)
    return itertools.chain.from_iterable(loader for _ in itertools.count())


# -------------------------------------------------------------------------------- training
def train(
    model: nn.Module,
    optimizer,
    data: Iterator[tuple[Tensor, Tensor]],
    steps: int,
    *,
    penalty: Callable[[], Tensor] | None = None,
    after_backward: Callable[[nn.Module], object] | None = None,
) -> tuple[list[float], list]:
    """``steps`` updates of cross-entropy (+ ``penalty()``) on batches from ``data``.

    ``after_backward(model)`` runs between backward and the update (to clip the gradients or
    to read them); what it returns is collected. Returns ``(losses, collected)``, one entry per
    step. A loss that is NaN or infinite ends the run (and is not recorded): fewer than
    ``steps`` losses mean the training diverged.
    """
    model.train()
    losses, collected = [], []
    for _, (inputs, labels) in zip(range(steps), data):
        loss = F.cross_entropy(model(inputs), labels)
        if not math.isfinite(loss.item()):
            break
        losses.append(float(loss.item()))
        if penalty is not None:
            loss = loss + penalty()
        optimizer.zero_grad()
        loss.backward()
        if after_backward is not None:
            collected.append(after_backward(model))
        optimizer.step()
    return losses, collected


def evaluate(model: nn.Module, inputs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` in eval mode; its mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            logits = model(from_numpy(inputs))
            loss = float(F.cross_entropy(logits, from_numpy(labels)).item())
    finally:
        model.train(was_training)
    return loss, float((logits.detach().numpy().argmax(axis=1) == labels).mean())


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """The Linear and Conv2d layers of ``model``, input side first."""
    return [m for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d)]


def weight_grad_norms(model: nn.Module) -> list[float]:
    """||dL/dW|| of each Linear/Conv2d weight, input side first (after a backward)."""
    return [float(np.linalg.norm(layer.weight.grad.numpy())) for layer in weight_layers(model)]
