"""Exploding gradients: weights a little too large, multiplied over 20 layers.

Lesson: scaling Kaiming's weights by 1.5 multiplies activations and gradients by about 1.5 per
layer, 1.5^19 ≈ 2,000 over a 20-layer ReLU net; plain SGD then takes steps so large that the
loss becomes NaN within a few updates, while clipping the gradient's global norm
(``nn.utils.clip_grad_norm_``) keeps every step bounded and the same net trains.

ReLU MLPs on the digits, 20 Linear layers of 64 units, weights Kaiming-normal times a gain.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..backend import manual_seed
from ..models import MLP
from ..tensor import from_numpy
from .common import batches, digits, jsonable, pyplot, save_figure, train, weight_grad_norms
from .registry import register_experiment

LESSON = (
    "Weights 1.5x Kaiming's in 20 ReLU layers make the gradient ~10^4 times too large and SGD "
    "diverges to NaN in a few steps; clipping the gradient norm to 5 lets the same net train."
)
DEPTH, WIDTH = 20, 64
GAINS = (1.0, 1.5, 2.0)
LARGE_GAIN = 1.5
MAX_NORM = 5.0
# name: (gain on Kaiming's weights, max gradient norm or None)
RUNS = {
    "Kaiming, no clipping": (1.0, None),
    f"{LARGE_GAIN}x Kaiming, no clipping": (LARGE_GAIN, None),
    f"{LARGE_GAIN}x Kaiming, clip norm {MAX_NORM:g}": (LARGE_GAIN, MAX_NORM),
}


def build(gain: float) -> MLP:
    """The 20-layer ReLU MLP with Kaiming-normal weights multiplied by ``gain``."""
    model = MLP(64, hidden=(WIDTH,) * (DEPTH - 1), activation="relu", init="kaiming")
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            layer.weight.data *= gain
    return model


def clip_gradients(model: MLP, max_norm: float | None) -> float:
    """Clip the global gradient norm to ``max_norm`` (None: leave it); return the norm before."""
    limit = math.inf if max_norm is None else max_norm  # clipping to inf only measures
    return float(nn.utils.clip_grad_norm_(model.parameters(), limit))


def run(quick: bool = True, seed: int = 0) -> dict:
    """Per-layer gradient norms at init for each gain; then SGD with and without clipping.

    A diverged run's loss curve ends at the last finite loss (``diverged_at`` gives the step).
    """
    steps = 200 if quick else 2000
    images, labels = digits(train=True, count=512 if quick else None, seed=seed)
    images = images.reshape(len(images), -1)
    at_init = {}
    for gain in GAINS:
        manual_seed(seed)
        model = build(gain)
        F.cross_entropy(model(from_numpy(images[:256])), from_numpy(labels[:256])).backward()
        at_init[f"{gain:g}"] = weight_grad_norms(model)
    training = {}
    for name, (gain, max_norm) in RUNS.items():
        manual_seed(seed)
        model = build(gain)
        optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        clip = functools.partial(clip_gradients, max_norm=max_norm)
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the lesson
            data = batches(images, labels, 64, seed)
            curve, total_norms = train(model, optimizer, data, steps, after_backward=clip)
        training[name] = {
            "loss": curve,
            "gradient_norm": total_norms,
            "diverged_at": len(curve) if len(curve) < steps else None,
        }
    return jsonable({"depth": DEPTH, "steps": steps, "at_init": at_init, "training": training})


def key_numbers(data: dict) -> dict:
    """Gradient norm at init per gain; each run's first and last loss, or where it diverged."""
    numbers = {}
    for gain, norms in data["at_init"].items():
        numbers[f"gain {gain}: ||dL/dW|| of layer 1 at init"] = norms[0]
    for name, entry in data["training"].items():
        numbers[f"{name}: first loss"] = entry["loss"][0]
        if entry["diverged_at"] is not None:
            numbers[f"{name}: NaN at step"] = entry["diverged_at"]
        else:
            numbers[f"{name}: final loss"] = float(np.mean(entry["loss"][-10:]))
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Gradient norm by layer at init for each gain, then each run's gradient norm and loss."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for gain, norms in data["at_init"].items():
        axes[0].semilogy(
            range(1, len(norms) + 1), norms, "-o", markersize=3, label=f"{gain} x Kaiming"
        )
    axes[0].set(title=f"||dL/dW|| at init, {data['depth']} ReLU layers", xlabel="layer")
    axes[0].legend(fontsize=8)
    for name, entry in data["training"].items():
        axes[1].semilogy(entry["gradient_norm"], label=name)
        end = "" if entry["diverged_at"] is None else f" (NaN at step {entry['diverged_at']})"
        axes[2].semilogy(entry["loss"], label=name + end)
        if entry["diverged_at"] is not None:
            axes[2].plot(len(entry["loss"]) - 1, entry["loss"][-1], "rx", markersize=10)
    axes[1].set(title="global gradient norm before clipping", xlabel="step")
    axes[2].set(
        title="training loss (SGD, lr 0.01, momentum 0.9)", xlabel="step", ylabel="cross-entropy"
    )
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Exploding gradients: too-large weights multiply the gradient at every layer; "
        "clipping bounds each step"
    )
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("exploding-gradients", LESSON, run, key_numbers, render)
