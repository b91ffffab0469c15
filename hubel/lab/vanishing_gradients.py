"""Vanishing gradients: the gradient reaching the first layers of a deep sigmoid net.

Lesson: backprop multiplies the gradient by W^T and by the activation's derivative at every
layer; sigmoid' is at most 0.25, so after 20 sigmoid layers the first layer's gradient is
~1e-12 of the last one's and the first layers never learn. ReLU (derivative 1 where active)
with Kaiming init keeps the gradient's size through depth, and batch norm rescues sigmoid by
re-standardising every layer's input.

MLPs on the digits with 64 units per layer: ||dL/dW|| of every layer at initialisation for
depths 5, 10, 20 and 50; then the depth-20 nets are trained with SGD and the first/last ratio
is followed step by step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import functional as F
from .. import optim
from ..backend import manual_seed
from ..models import MLP
from ..tensor import from_numpy
from .common import batches, digits, jsonable, pyplot, save_figure, train, weight_grad_norms
from .registry import register_experiment

LESSON = (
    "At depth 20 a sigmoid net's first layer gets ~1e-12 of its last layer's gradient and "
    "does not learn; ReLU with Kaiming keeps the ratio near 1, and batch norm rescues sigmoid."
)
# name: (activation, init, batch norm)
NETS = {
    "sigmoid": ("sigmoid", "xavier", False),
    "sigmoid + BN": ("sigmoid", "xavier", True),
    "ReLU + Kaiming": ("relu", "kaiming", False),
    "ReLU + Kaiming + BN": ("relu", "kaiming", True),
}
DEPTHS = (5, 10, 20, 50)
TRAINED_DEPTH = 20
WIDTH = 64


def build(name: str, depth: int) -> MLP:
    """A ``depth``-layer MLP (``depth`` Linear layers) of the named kind, for 8x8 digits."""
    activation, init, batchnorm = NETS[name]
    return MLP(
        64, hidden=(WIDTH,) * (depth - 1), activation=activation, init=init, batchnorm=batchnorm
    )


def run(quick: bool = True, seed: int = 0) -> dict:
    """Per-layer gradient norms at initialisation for every net and depth; then training of
    the depth-20 nets with the first/last gradient ratio recorded at every step."""
    steps = 100 if quick else 1500
    images, labels = digits(train=True, count=512 if quick else None, seed=seed)
    images = images.reshape(len(images), -1)
    at_init = {}
    for name in NETS:
        at_init[name] = {}
        for depth in DEPTHS:
            manual_seed(seed)
            model = build(name, depth)
            F.cross_entropy(model(from_numpy(images[:256])), from_numpy(labels[:256])).backward()
            at_init[name][str(depth)] = weight_grad_norms(model)
    training = {}
    for name in NETS:
        manual_seed(seed)
        model = build(name, TRAINED_DEPTH)
        optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        curve, norms = train(
            model,
            optimizer,
            batches(images, labels, 64, seed),
            steps,
            after_backward=weight_grad_norms,
        )
        norms = np.asarray(norms)
        training[name] = {"loss": curve, "first": norms[:, 0], "last": norms[:, -1]}
    return jsonable(
        {"depths": DEPTHS, "trained_depth": TRAINED_DEPTH, "at_init": at_init, "training": training}
    )


def ratio(norms: list[float]) -> float:
    """First layer's gradient norm over the last layer's."""
    return norms[0] / norms[-1]


def key_numbers(data: dict) -> dict:
    """First/last gradient ratio at init for every net and depth; final training loss."""
    numbers = {}
    for name, by_depth in data["at_init"].items():
        for depth, norms in by_depth.items():
            numbers[f"{name}, depth {depth}: first/last gradient at init"] = ratio(norms)
    for name, entry in data["training"].items():
        loss = float(np.mean(entry["loss"][-10:]))
        numbers[f"{name}, depth {data['trained_depth']}: training loss at the end"] = loss
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Top: gradient norm by layer at init (depths 20 and 50) and the first/last ratio by
    depth. Bottom: during training at depth 20, the first layer's gradient, the ratio, the
    loss."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(15, 7.5))
    trained = data["trained_depth"]
    for ax, depth in zip(axes[0, :2], (str(trained), str(data["depths"][-1]))):
        for name, by_depth in data["at_init"].items():
            norms = np.maximum(by_depth[depth], 1e-30)
            ax.semilogy(range(1, len(norms) + 1), norms, "-o", markersize=3, label=name)
        ax.set(title=f"depth {depth}: ||dL/dW|| at init", xlabel="layer (1 = input side)")
    axes[0, 0].legend(fontsize=8)
    for name, by_depth in data["at_init"].items():
        ratios = [max(ratio(by_depth[str(d)]), 1e-30) for d in data["depths"]]
        axes[0, 2].semilogy(data["depths"], ratios, "-o", label=name)
    axes[0, 2].set(title="first / last layer gradient at init", xlabel="depth")
    axes[0, 2].set_xticks(data["depths"])
    for name, entry in data["training"].items():
        first, last = np.asarray(entry["first"]), np.asarray(entry["last"])
        axes[1, 0].semilogy(np.maximum(first, 1e-30), label=name)
        axes[1, 1].semilogy(np.maximum(first / last, 1e-30), label=name)
        axes[1, 2].plot(entry["loss"], label=name)
    axes[1, 0].set(title=f"depth {trained}, training: first layer's ||dL/dW||", xlabel="step")
    axes[1, 1].set(title=f"depth {trained}, training: first / last", xlabel="step")
    axes[1, 2].set(
        title=f"depth {trained}, training loss (SGD)", xlabel="step", ylabel="cross-entropy"
    )
    axes[1, 2].legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    fig.suptitle("Vanishing gradients: sigmoid's derivative (<= 0.25) multiplies at every layer")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("vanishing-gradients", LESSON, run, key_numbers, render)
