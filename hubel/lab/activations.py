"""Activations and their derivatives: the engine's autograd against the closed forms.

Lesson: the derivative autograd finds by the chain rule is the one in the textbook, e.g.
sigmoid' = f(1 - f), whose peak of 0.25 is where vanishing gradients begin.

Each function is evaluated on a grid of x; ``y.sum().backward()`` leaves dy/dx in ``x.grad``
(every y_i depends only on x_i, so the gradient of the sum is the elementwise derivative).
The grid skips x = 0, where ReLU's kink makes the derivative a convention.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import functional as F
from ..backend import float64
from ..tensor import tensor
from .common import jsonable, pyplot, save_figure
from .registry import register_experiment

LESSON = (
    "Autograd's derivatives match the closed forms to float64 precision; sigmoid' = f(1 - f) "
    "never exceeds 0.25, tanh' peaks at 1, ReLU' is exactly 1 for every positive input."
)
SLOPE = 0.1  # leaky ReLU's slope, larger than the usual 0.01 so that it shows in the figure


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


# name: (the engine's function, closed-form derivative given x and y = f(x))
FUNCTIONS = {
    "sigmoid": (F.sigmoid, lambda x, y: y * (1 - y)),
    "tanh": (F.tanh, lambda x, y: 1 - y**2),
    "relu": (F.relu, lambda x, y: (x > 0).astype(x.dtype)),
    "leaky_relu": (
        lambda t: F.leaky_relu(t, SLOPE),
        lambda x, y: np.where(x > 0, 1.0, SLOPE),
    ),
    # GELU(x) = x Φ(x), so GELU'(x) = Φ(x) + x φ(x) with φ the standard normal density.
    "gelu": (F.gelu, lambda x, y: _normal_cdf(x) + x * np.exp(-(x**2) / 2) / math.sqrt(2 * np.pi)),
}


def run(quick: bool = True, seed: int = 0) -> dict:
    """Each activation and its derivative on a grid, by autograd and by the closed form.

    Returns ``{"x", "functions": {name: {"y", "autograd", "closed_form", "max_error"}}}``;
    the experiment is deterministic, ``seed`` is accepted for a uniform interface.
    """
    points = 400 if quick else 4000  # an even count: the grid never lands on x = 0
    x_values = np.linspace(-6.0, 6.0, points)
    functions = {}
    for name, (function, derivative) in FUNCTIONS.items():
        x = tensor(x_values, requires_grad=True, dtype=float64)
        y = function(x)
        y.sum().backward()
        closed_form = derivative(x_values, y.detach().numpy())
        functions[name] = {
            "y": y.detach().numpy(),
            "autograd": x.grad.numpy(),
            "closed_form": closed_form,
            "max_error": float(np.abs(x.grad.numpy() - closed_form).max()),
        }
    return jsonable({"x": x_values, "functions": functions})


def key_numbers(data: dict) -> dict:
    """The largest autograd-vs-formula gap of each function, and each derivative's peak."""
    numbers = {}
    for name, entry in data["functions"].items():
        numbers[f"{name}: max |autograd - formula|"] = entry["max_error"]
    for name, entry in data["functions"].items():
        numbers[f"{name}: max derivative"] = float(np.max(entry["autograd"]))
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Top row: each function; bottom row: autograd's derivative (line) over the closed form
    (dots)."""
    plt = pyplot()
    x = np.asarray(data["x"])
    names = list(data["functions"])
    fig, axes = plt.subplots(2, len(names), figsize=(3.0 * len(names), 5.2), sharex=True)
    every = max(1, len(x) // 25)
    for column, name in enumerate(names):
        entry = data["functions"][name]
        axes[0, column].plot(x, entry["y"], color="C0")
        axes[0, column].set_title(name)
        axes[1, column].plot(x, entry["autograd"], color="C1", label="autograd")
        axes[1, column].plot(
            x[::every],
            np.asarray(entry["closed_form"])[::every],
            "k.",
            markersize=4,
            label="closed form",
        )
        axes[1, column].set_xlabel(f"x   (max gap {entry['max_error']:.0e})")
        for ax in axes[:, column]:
            ax.grid(alpha=0.3)
            ax.axhline(0, color="grey", linewidth=0.5)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x)")
    axes[1, 0].legend(fontsize=8)
    fig.suptitle("Activations and their derivatives: autograd = closed form")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("activations", LESSON, run, key_numbers, render)
