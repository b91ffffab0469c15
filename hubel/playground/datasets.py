"""The MLP mode's 2-D data sets, TensorFlow Playground's four: points in the square
[-1, 1]² with labels 0/1, drawn from a seeded generator so that a link reproduces them."""

from __future__ import annotations

import numpy as np

from ..lab.common import spirals

EXTENT = 1.0  # the plotted square is [-EXTENT, EXTENT]²
DATASETS = ("circle", "xor", "gauss", "spiral")


def _circle(rng: np.random.Generator, count: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 inside radius 0.4, class 1 in the ring 0.6-0.9 around it."""
    labels = np.arange(count) % 2
    radius = np.where(labels == 0, rng.uniform(0.0, 0.4, count), rng.uniform(0.6, 0.9, count))
    angle = rng.uniform(0.0, 2 * np.pi, count)
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return points + rng.normal(0.0, noise, points.shape), labels


def _xor(rng: np.random.Generator, count: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants, labelled 1 where x and y have opposite signs (XOR of the
    signs), half of each class; a gap of 0.05 along the axes, as TF Playground's. The labels
    are fixed before the noise moves the points, so noise blurs the quadrants' edges."""
    labels = np.arange(count) % 2
    size = rng.uniform(0.05, 0.95, (count, 2))
    x_sign = rng.choice([-1.0, 1.0], count)
    y_sign = np.where(labels == 1, -x_sign, x_sign)
    points = size * np.stack([x_sign, y_sign], axis=1)
    return points + rng.normal(0.0, noise, points.shape), labels


def _gauss(rng: np.random.Generator, count: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs around (0.4, 0.4) and (-0.4, -0.4); noise widens them."""
    labels = np.arange(count) % 2
    centres = np.where(labels[:, None] == 0, 0.4, -0.4)
    return centres + rng.normal(0.0, 0.1 + noise, (count, 2)), labels


def _spiral(rng: np.random.Generator, count: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """The lab's two interleaved spirals (radius 3) scaled into the square."""
    seed = int(rng.integers(2**31))
    points, labels = spirals(count, turns=1.5, noise=3 * noise, seed=seed)
    return points / 3.3, labels


MAKERS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral}


def make_dataset(
    name: str, count: int, noise: float, train_ratio: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``count`` points of the data set ``name`` split at random into training and test sets.

    Returns ``(train_points, train_labels, test_points, test_labels)``: float32 ``(N, 2)``
    and int64 ``(N,)``; the training set has ``round(train_ratio * count)`` points.
    """
    rng = np.random.default_rng([seed, 0])
    points, labels = MAKERS[name](rng, count, noise)
    order = rng.permutation(len(labels))
    points, labels = points[order].astype(np.float32), labels[order].astype(np.int64)
    cut = int(round(train_ratio * len(labels)))
    return points[:cut], labels[:cut], points[cut:], labels[cut:]
