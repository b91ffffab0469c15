"""The scale of the initial weights, layer by layer through a deep tanh net and a ReLU net.

Lesson: each layer multiplies the activations' spread by about std(W)·sqrt(n_in) (halved in
variance by ReLU), so over 20 layers any factor other than 1 vanishes or explodes: Xavier
(Var W = 2 / (n_in + n_out)) keeps tanh alive, Kaiming (Var W = 2 / n_in) keeps ReLU alive,
N(0, 0.01²) vanishes in both, N(0, 1) saturates tanh at ±1 and explodes ReLU.

Unit-Gaussian inputs go forward (no training, biases zero) through Linear layers of equal width
initialised by ``hubel.nn.init``; each layer's activations are summarised by mean, std, the
fraction of saturated tanh units (|a| > 0.99) and a histogram.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..backend import get_rng, manual_seed
from ..tensor import from_numpy
from .common import jsonable, pyplot, save_figure
from .registry import register_experiment

LESSON = (
    "Through 20 layers, Xavier keeps tanh activations alive and Kaiming keeps ReLU alive, "
    "while N(0, 0.01²) makes both vanish and N(0, 1) saturates tanh and explodes ReLU."
)
INITS = {
    "small N(0, 0.01²)": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "large N(0, 1)": lambda w: nn.init.normal_(w, 0.0, 1.0),
    "Xavier": lambda w: nn.init.xavier_normal_(w),
    "Kaiming": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
HISTOGRAM_RANGE = {"tanh": (-1.0, 1.0), "relu": (0.0, 3.0)}


def shown_layers(depth: int) -> list[int]:
    """The layers (counted from 1) whose histograms are kept: first, quarters, last."""
    return sorted({1, depth // 4, depth // 2, 3 * depth // 4, depth})


def layer_statistics(
    activation: str, init: str, depth: int, width: int, inputs: np.ndarray
) -> dict:
    """Mean, std and saturated fraction of every layer's activations; histograms of some."""
    lows, highs = HISTOGRAM_RANGE[activation]
    bins = np.linspace(lows, highs, 41)
    stats = {"mean": [], "std": [], "saturated": [], "histograms": []}
    x = from_numpy(inputs)
    for index in range(1, depth + 1):
        layer = nn.Linear(width, width)
        INITS[init](layer.weight)
        nn.init.zeros_(layer.bias)
        # N(0, 1) weights in a deep ReLU net overflow float32 (~3e38): that is the explosion.
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):
            x = ACTIVATIONS[activation]()(layer(x))
        values = x.detach().numpy().astype(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            stats["mean"].append(float(values.mean()))
            stats["std"].append(float(values.std()))  # NaN or inf once it overflowed
        stats["saturated"].append(float((np.abs(values) > 0.99).mean()))
        if index in shown_layers(depth):
            # The share of all activations in each bin: values outside the range are not counted.
            stats["histograms"].append(np.histogram(values, bins)[0] / values.size)
    stats["bins"] = bins
    return stats


def run(quick: bool = True, seed: int = 0) -> dict:
    """Every (activation, init) pair: per-layer statistics of a batch of N(0, 1) inputs."""
    depth, width, batch = (20, 256, 256) if quick else (50, 512, 2000)
    manual_seed(seed)
    inputs = get_rng().standard_normal((batch, width)).astype(np.float32)
    nets = {
        activation: {
            init: layer_statistics(activation, init, depth, width, inputs) for init in INITS
        }
        for activation in ACTIVATIONS
    }
    return jsonable({"depth": depth, "width": width, "nets": nets})


def _std_text(std: float | None) -> str:
    """A standard deviation for a title; None marks one that overflowed float32 (in JSON)."""
    return "overflow (> 3e38)" if std is None else f"{std:.1e}"


def key_numbers(data: dict) -> dict:
    """The last layer's activation std (and tanh's saturated share) for every pair."""
    numbers = {}
    for activation, inits in data["nets"].items():
        for init, stats in inits.items():
            std = stats["std"][-1]
            numbers[f"{activation}, {init}: std at layer {data['depth']}"] = (
                std if std is not None else _std_text(std)
            )
        for init, stats in inits.items():
            if activation == "tanh":
                numbers[f"tanh, {init}: saturated at layer {data['depth']}"] = stats["saturated"][
                    -1
                ]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Per net: std by layer (log scale), then each init's histograms of selected layers."""
    plt = pyplot()
    depth = data["depth"]
    shown = shown_layers(depth)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(shown)))
    fig, axes = plt.subplots(2, 1 + len(INITS), figsize=(17, 6.4))
    for row, (activation, inits) in enumerate(data["nets"].items()):
        ax = axes[row, 0]
        for init, stats in inits.items():
            stds = np.asarray(stats["std"], dtype=float)  # None (overflow) becomes NaN: a gap
            ax.semilogy(range(1, depth + 1), np.maximum(stds, 1e-30), label=init)
        ax.set(title=f"{activation}: std of activations", xlabel="layer")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        for column, (init, stats) in enumerate(inits.items(), start=1):
            ax = axes[row, column]
            bins = np.asarray(stats["bins"])
            centres = (bins[:-1] + bins[1:]) / 2
            for color, layer, counts in zip(colors, shown, stats["histograms"]):
                ax.plot(centres, counts, color=color, label=f"layer {layer}")
            ax.set_title(
                f"{activation}, {init}\nstd at layer {depth}: {_std_text(stats['std'][-1])}",
                fontsize=9,
            )
            ax.set_yscale("log")
            ax.set_ylim(1e-4, 1.0)
            ax.grid(alpha=0.3)
    axes[0, 1].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("layer" if ax is axes[1, 0] else "activation value")
    axes[0, 1].set_ylabel("share of activations")
    axes[1, 1].set_ylabel("share of activations")
    fig.suptitle(
        f"Activations through {depth} layers of width {data['width']}: only the "
        "matched init keeps them spread"
    )
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("init-scale", LESSON, run, key_numbers, render)
