"""Deep linear networks collapse to one linear layer.

Lesson: without activations, W_L ··· W_2 W_1 x is one matrix times x, so depth adds nothing:
a 6-layer linear net separates two spirals no better than a single linear layer, while the
same 6 layers with ReLU between them fit the spirals.

Three models are trained with Adam on the same points: one Linear(2, 2); six Linear layers
without activations; six Linear layers with ReLU. Then the deep linear net's weights are
multiplied out into a single (W, b) and its outputs compared with x W^T + b.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..backend import manual_seed
from ..tensor import from_numpy
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
    "Without activations six layers are one matrix: the deep linear net separates the spirals "
    "no better than one linear layer, while the same depth with ReLU fits them."
)
MODELS = ("one linear layer", "deep linear", "deep ReLU")


def _deep(depth: int, width: int, activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    sizes = [2] + [width] * (depth - 1)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(n_in, n_out))
        if activation:
            layers.append(nn.ReLU())
    layers.append(nn.Linear(width, 2))
    return nn.Sequential(*layers)


def collapse(model: nn.Sequential) -> tuple[np.ndarray, np.ndarray]:
    """The single (W, b) that a stack of Linear layers equals: y = x W^T + b.

    Layer by layer from (W_1, b_1): W ← W_k W and b ← W_k b + b_k for k = 2, 3, ...
    """
    weight, bias = None, None
    for layer in model:
        w, b = (
            layer.weight.detach().numpy().astype(np.float64),
            layer.bias.detach().numpy().astype(np.float64),
        )
        weight = w if weight is None else w @ weight
        bias = b if bias is None else w @ bias + b
    return weight, bias


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train the three models on two spirals; multiply out the deep linear net.

    Returns accuracies and losses per model, the loss curves, the decision regions on a grid,
    the collapsed (W, b) and the largest gap between the deep linear net and x W^T + b.
    """
    depth, width = 6, 32
    steps = 600 if quick else 3000
    points, labels = spirals(400 if quick else 1000, seed=seed)
    manual_seed(seed)
    models = {
        "one linear layer": nn.Sequential(nn.Linear(2, 2)),
        "deep linear": _deep(depth, width, activation=False),
        "deep ReLU": _deep(depth, width, activation=True),
    }
    grid_axis = np.linspace(-4.0, 4.0, 81, dtype=np.float32)
    results = {}
    for name, model in models.items():
        optimizer = optim.Adam(model.parameters(), lr=0.01)
        curve, _ = train(model, optimizer, batches(points, labels, 100, seed), steps)
        loss, accuracy = evaluate(model, points, labels)
        results[name] = {
            "loss": loss,
            "accuracy": accuracy,
            "curve": curve[:: max(1, steps // 200)],
            "regions": decision_regions(model, grid_axis),
        }
    weight, bias = collapse(models["deep linear"])
    with no_grad():
        deep_out = models["deep linear"](from_numpy(points)).detach().numpy().astype(np.float64)
    collapsed_out = points.astype(np.float64) @ weight.T + bias
    return jsonable(
        {
            "points": points,
            "labels": labels,
            "grid_axis": grid_axis,
            "models": results,
            "collapsed_weight": weight,
            "collapsed_bias": bias,
            "depth": depth,
            "collapse_max_error": float(np.abs(deep_out - collapsed_out).max()),
            "output_scale": float(np.abs(deep_out).max()),
        }
    )


def key_numbers(data: dict) -> dict:
    """Each model's training accuracy and the product-of-weights check."""
    numbers = {f"{name}: accuracy": data["models"][name]["accuracy"] for name in MODELS}
    numbers["max |deep linear(x) - (x W^T + b)|"] = data["collapse_max_error"]
    numbers["largest |output| of the deep linear net"] = data["output_scale"]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """The three decision regions over the spirals, then the loss curves."""
    plt = pyplot()
    points, labels = np.asarray(data["points"]), np.asarray(data["labels"])
    axis = np.asarray(data["grid_axis"])
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8))
    for ax, name in zip(axes, MODELS):
        entry = data["models"][name]
        plot_regions(ax, axis, entry["regions"], points, labels, size=6)
        ax.set_title(f"{name}: {entry['accuracy']:.0%}")
        ax.set_xticks([])
        ax.set_yticks([])
    for name in MODELS:
        axes[3].plot(data["models"][name]["curve"], label=name)
    axes[3].set(title="training loss", xlabel="step (sampled)", ylabel="cross-entropy")
    axes[3].legend(fontsize=8)
    axes[3].grid(alpha=0.3)
    fig.suptitle(
        f"A {data['depth']}-layer net without activations is one linear map "
        f"(product of weights matches to {data['collapse_max_error']:.0e})"
    )
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("linear-collapse", LESSON, run, key_numbers, render)
