"""Optimizers on 2-D loss surfaces, where their paths can be drawn, and on the digits.

Lesson: plain SGD crawls along the flat direction of an ill-conditioned valley and stops in the
first local minimum it meets; momentum (and Nesterov's look-ahead version) builds up speed in
consistent directions, crossing the flat valley and rolling over the bump into the deeper
minimum; Adam rescales each coordinate by its gradient's running size.

Each path is the hubel optimizer itself stepping a 2-element ``Parameter`` (the point) with the
gradient that autograd finds for the surface written with hubel's tensor ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import optim
from ..backend import manual_seed
from ..models import MLP
from ..nn import Parameter
from ..tensor import Tensor
from .common import batches, digits, evaluate, jsonable, pyplot, save_figure, train
from .registry import register_experiment

LESSON = (
    "SGD crawls along an ill-conditioned valley and stops in the first local minimum; momentum "
    "and Nesterov build speed through both, and Adam rescales every coordinate."
)


# Each surface works on hubel tensors (for the paths) and on NumPy arrays (for the contours).
def ill_conditioned(x: Tensor | np.ndarray, y: Tensor | np.ndarray) -> Tensor | np.ndarray:
    """0.5 (x² + 30 y²): curvature 30 times larger across the valley than along it."""
    return 0.5 * (x**2 + 30 * y**2)


def rosenbrock(x: Tensor | np.ndarray, y: Tensor | np.ndarray) -> Tensor | np.ndarray:
    """(1 - x)² + 100 (y - x²)²: a curved, flat-bottomed valley; minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def two_minima(x: Tensor | np.ndarray, y: Tensor | np.ndarray) -> Tensor | np.ndarray:
    """(x² - 1)² + 0.3 x + y²: a local minimum near (0.96, 0), the global one near (-1.04, 0)."""
    return (x**2 - 1) ** 2 + 0.3 * x + y**2


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface, where the paths start and end, and the budget they get."""

    function: Callable
    start: tuple[float, float]
    minimum: tuple[float, float]  # the global one
    sgd_lr: float  # for SGD, momentum and Nesterov alike
    adam_lr: float
    steps: int
    window: tuple[tuple[float, float], tuple[float, float]]  # (x range, y range) of the plot


SURFACES = {
    "ill-conditioned quadratic": Surface(
        ill_conditioned, start=(-4.0, 1.5), minimum=(0.0, 0.0), sgd_lr=0.02, adam_lr=0.3,
        steps=100, window=((-4.5, 2.0), (-2.0, 2.0)),
    ),
    "Rosenbrock": Surface(
        rosenbrock, start=(-1.2, 1.0), minimum=(1.0, 1.0), sgd_lr=0.001, adam_lr=0.1,
        steps=300, window=((-1.6, 1.6), (-0.6, 1.6)),
    ),
    "local minimum": Surface(
        two_minima, start=(2.0, 1.0), minimum=(-1.0366, 0.0), sgd_lr=0.02, adam_lr=0.1,
        steps=150, window=((-2.0, 2.3), (-1.3, 1.3)),
    ),
}  # fmt: skip
OPTIMIZERS: dict[str, Callable] = {
    "SGD": lambda params, lr, adam_lr: optim.SGD(params, lr=lr),
    "momentum": lambda params, lr, adam_lr: optim.SGD(params, lr=lr, momentum=0.9),
    "Nesterov": lambda params, lr, adam_lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "Adam": lambda params, lr, adam_lr: optim.Adam(params, lr=adam_lr),
}
DIGITS_LR = {"SGD": 0.05, "momentum": 0.05, "Nesterov": 0.05, "Adam": 0.001}


def trajectory(surface: Callable, start, make_optimizer: Callable, steps: int) -> np.ndarray:
    """The points visited: ``(steps + 1, 2)``, from ``start``, one optimizer step at a time."""
    point = Parameter(np.array(start, dtype=np.float64))
    optimizer = make_optimizer([point])
    path = [point.detach().numpy().copy()]
    for _ in range(steps):
        loss = surface(point[0], point[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(point.detach().numpy().copy())
    return np.asarray(path)


def run(quick: bool = True, seed: int = 0) -> dict:
    """Every optimizer's path on every surface, then a small MLP trained on the digits by each.

    The surfaces are deterministic; ``seed`` sets the MLP's initialisation and batches.
    """
    surfaces = {}
    for name, surface in SURFACES.items():
        paths = {}
        for optimizer_name, make in OPTIMIZERS.items():
            make_optimizer = functools.partial(make, lr=surface.sgd_lr, adam_lr=surface.adam_lr)
            path = trajectory(surface.function, surface.start, make_optimizer, surface.steps)
            paths[optimizer_name] = {
                "path": path,
                "final_loss": float(surface.function(*path[-1])),
                "distance_to_minimum": float(np.linalg.norm(path[-1] - surface.minimum)),
            }
        surfaces[name] = {
            "minimum": surface.minimum,
            "window": surface.window,
            "steps": surface.steps,
            "paths": paths,
            "minimum_loss": float(surface.function(*surface.minimum)),
        }
    steps = 200 if quick else 2000
    train_x, train_y = digits(train=True, count=800 if quick else None, seed=seed)
    test_x, test_y = digits(train=False)
    train_x, test_x = train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)
    training = {}
    for optimizer_name, make in OPTIMIZERS.items():
        manual_seed(seed)
        model = MLP(64, hidden=(64,))
        lr = DIGITS_LR[optimizer_name]
        optimizer = make(model.parameters(), lr=lr, adam_lr=lr)
        curve, _ = train(model, optimizer, batches(train_x, train_y, 32, seed), steps)
        accuracy = evaluate(model, test_x, test_y)[1]
        training[optimizer_name] = {"loss": curve, "lr": lr, "test_accuracy": accuracy}
    return jsonable({"surfaces": surfaces, "digits": training})


def key_numbers(data: dict) -> dict:
    """Distance to the global minimum after the budget; the digits' test accuracy."""
    numbers = {}
    for name, entry in data["surfaces"].items():
        for optimizer_name, path in entry["paths"].items():
            label = f"{name}, {optimizer_name}: distance to minimum after {entry['steps']} steps"
            numbers[label] = path["distance_to_minimum"]
    for optimizer_name, entry in data["digits"].items():
        numbers[f"digits, {optimizer_name} (lr {entry['lr']:g}): test accuracy"] = entry[
            "test_accuracy"
        ]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Paths over each surface's contours, then the digits' training curves."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.3))
    for ax, (name, entry) in zip(axes, data["surfaces"].items()):
        surface = SURFACES[name].function
        (x_low, x_high), (y_low, y_high) = entry["window"]
        x, y = np.meshgrid(np.linspace(x_low, x_high, 200), np.linspace(y_low, y_high, 200))
        z = surface(x, y)
        levels = np.quantile(z, np.linspace(0, 1, 25) ** 2)
        ax.contour(x, y, z, levels=np.unique(levels), cmap="viridis", linewidths=0.6, alpha=0.6)
        for optimizer_name, run_entry in entry["paths"].items():
            points = np.asarray(run_entry["path"])
            ax.plot(points[:, 0], points[:, 1], "-", linewidth=1.3, label=optimizer_name)
            ax.plot(points[-1, 0], points[-1, 1], "o", markersize=4, color=ax.lines[-1].get_color())
        ax.plot(*entry["minimum"], "k*", markersize=12)
        ax.set(title=f"{name} ({entry['steps']} steps)", xlim=(x_low, x_high), ylim=(y_low, y_high))
    axes[0].legend(fontsize=8, loc="lower right")
    ax = axes[3]
    for optimizer_name, entry in data["digits"].items():
        loss = np.asarray(entry["loss"])
        smooth = np.convolve(loss, np.ones(10) / 10, mode="valid")
        ax.plot(smooth, label=f"{optimizer_name} ({entry['test_accuracy']:.0%} test)")
    ax.set(title="digits MLP: training loss", xlabel="step", ylabel="cross-entropy (smoothed)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle("Optimizer paths (star: global minimum) and training curves")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("optimizers", LESSON, run, key_numbers, render)
