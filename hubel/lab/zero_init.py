"""Zero (or constant) initialisation: every hidden unit of a layer stays the same unit.

Lesson: if all weights of a layer start equal, every unit computes the same output, receives
the same gradient and takes the same step, so the rows of its weight matrix stay identical
forever and the layer is as good as one unit; random initialisation breaks the symmetry.

Three copies of a 64-32-32-10 tanh MLP are trained on the digits with SGD from all-zero
weights, from a constant 0.01, and from PyTorch's random default. In float64, so that "identical"
can be checked to 1e-12 without rounding noise between units.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn, optim
from ..backend import manual_seed
from ..models import MLP
from .common import batches, digits, evaluate, jsonable, pyplot, save_figure, train
from .registry import register_experiment

LESSON = (
    "Zero or constant weights keep every hidden unit of a layer identical through training "
    "(rows equal to 1e-12), so the layer is as good as one unit; random init breaks the symmetry."
)
INITS = ("zeros", "constant 0.01", "random (default)")


def row_spread(weight: np.ndarray) -> float:
    """max |W[i, j] - W[0, j]|: zero exactly when every unit (row) has the same weights."""
    return float(np.abs(weight - weight[:1]).max())


def _first_row_spread(model: MLP) -> float:
    return row_spread(model[1].weight.detach().numpy())  # model[0] is the Flatten


def _initialise(model: MLP, scheme: str) -> None:
    for layer in model.modules():
        if isinstance(layer, nn.Linear) and scheme != "random (default)":
            value = 0.0 if scheme == "zeros" else 0.01
            nn.init.constant_(layer.weight, value)
            nn.init.constant_(layer.bias, value)


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train one MLP per initialisation; track the first hidden layer's row spread.

    Returns, per init: the spread of each hidden layer's rows after training, the first layer's
    spread at every step, the loss curve, test accuracy and the first layer's final weights.
    """
    steps = 150 if quick else 1500
    train_x, train_y = digits(train=True, count=600 if quick else None, seed=seed)
    test_x, test_y = digits(train=False)
    train_x, test_x = train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)
    train_x, test_x = train_x.astype(np.float64), test_x.astype(np.float64)
    manual_seed(seed)
    results = {}
    for scheme in INITS:
        model = MLP(64, hidden=(32, 32), activation="tanh").double()
        _initialise(model, scheme)
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        curve, spread_curve = train(
            model,
            optimizer,
            batches(train_x, train_y, 50, seed),
            steps,
            after_backward=_first_row_spread,
        )
        hidden = [m for m in model.modules() if isinstance(m, nn.Linear)][:-1]
        results[scheme] = {
            "row_spread": [row_spread(layer.weight.detach().numpy()) for layer in hidden],
            "spread_curve": spread_curve,
            "loss_curve": curve,
            "test_accuracy": evaluate(model, test_x, test_y)[1],
            "first_weight": model[1].weight.detach().numpy(),
        }
    return jsonable({"steps": steps, "inits": results})


def key_numbers(data: dict) -> dict:
    """Row spread of each hidden layer and test accuracy, per initialisation."""
    numbers = {}
    for scheme, entry in data["inits"].items():
        for index, spread in enumerate(entry["row_spread"]):
            numbers[f"{scheme}: layer {index + 1} max |W[i] - W[0]|"] = spread
        numbers[f"{scheme}: test accuracy"] = entry["test_accuracy"]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """The first layer's weights after training (one row per hidden unit), and loss curves."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), gridspec_kw={"width_ratios": [1, 1, 1, 1.2]})
    for ax, (scheme, entry) in zip(axes, data["inits"].items()):
        weight = np.asarray(entry["first_weight"])
        limit = max(float(np.abs(weight).max()), 1e-12)
        ax.imshow(weight, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        ax.set_title(f"{scheme}\nrows differ by {entry['row_spread'][0]:.1e}", fontsize=10)
        ax.set(xlabel="input pixel", ylabel="hidden unit")
    for scheme, entry in data["inits"].items():
        axes[3].plot(entry["loss_curve"], label=f"{scheme} ({entry['test_accuracy']:.0%} test)")
    axes[3].set(title="training loss", xlabel="step", ylabel="cross-entropy")
    axes[3].legend(fontsize=8)
    axes[3].grid(alpha=0.3)
    fig.suptitle("First-layer weights after training: equal starts give identical rows (units)")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("zero-init", LESSON, run, key_numbers, render)
