"""Depthwise separable convolution (MobileNet) against a standard one: parameters, MACs, time.

Lesson: a 3x3 convolution from M to N channels costs 9·M·N MACs per output pixel; a depthwise
3x3 (one filter per channel, 9·M) followed by a pointwise 1x1 (M·N) costs 9·M + M·N, a fraction
1/N + 1/9 of it: about 8x fewer MACs and parameters at 64+ channels, and measurably faster once
the arithmetic, not the per-call overhead, dominates.

For each channel count (M = N), the analyzer (``hubel.analysis.depthwise_separable_cost``)
gives parameters and MACs; the same numbers are counted again from hubel's ``Conv2d`` modules
(their weights times the output positions), and both layers are timed (best of several forward
passes of one batch, no gradients, the two layers taking turns). On a busy machine, run with
``OPENBLAS_NUM_THREADS=1``: a multi-threaded BLAS waiting for a busy core times its own waits.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import nn
from ..analysis import depthwise_separable_cost
from ..autograd import no_grad
from ..backend import manual_seed
from ..tensor import randn
from .common import jsonable, pyplot, save_figure
from .registry import register_experiment

LESSON = (
    "Depthwise + pointwise costs 1/N + 1/F² of a standard convolution: about 8x fewer MACs and "
    "parameters at 64+ channels, and it runs faster once the arithmetic outweighs per-call costs."
)
KERNEL = 3


def _best_times(layers: list[nn.Module], x, repeats: int) -> list[float]:
    """The fastest of ``repeats`` forward passes of each layer, in seconds. The layers take
    turns, so that a busy moment of the machine slows them alike, and the fastest pass is the
    least disturbed one."""
    times = [[] for _ in layers]
    with no_grad():
        for layer in layers:
            layer(x)  # warm up: first-call allocations
        for _ in range(repeats):
            for layer, layer_times in zip(layers, times):
                start = time.perf_counter()
                layer(x)
                layer_times.append(time.perf_counter() - start)
    return [min(layer_times) for layer_times in times]


def _counted_macs(layer: nn.Conv2d, output_positions: int) -> int:
    """MACs of one image counted from the module: every weight is used once per output pixel."""
    return layer.weight.numel() * output_positions


def run(quick: bool = True, seed: int = 0) -> dict:
    """Parameters, MACs (analyzer and counted) and forward time per channel count."""
    channels = (16, 32, 64, 128) if quick else (16, 32, 64, 128, 256, 512)
    size, batch, repeats = (16, 8, 7) if quick else (32, 16, 10)
    manual_seed(seed)
    rows = []
    for count in channels:
        cost = depthwise_separable_cost(f"{size}x{size}x{count}", count, KERNEL)
        standard = nn.Conv2d(count, count, KERNEL, padding=KERNEL // 2, bias=False)
        depthwise = nn.Conv2d(count, count, KERNEL, padding=KERNEL // 2, groups=count, bias=False)
        pointwise = nn.Conv2d(count, count, 1, bias=False)
        separable = nn.Sequential(depthwise, pointwise)
        x = randn(batch, count, size, size)
        positions = size * size
        separable_weights = depthwise.weight.numel() + pointwise.weight.numel()
        separable_macs = _counted_macs(depthwise, positions) + _counted_macs(pointwise, positions)
        seconds = _best_times([standard, separable], x, repeats)
        rows.append(
            {
                "channels": count,
                "standard_params": cost.standard.params,
                "separable_params": cost.separable_params,
                "standard_macs": cost.standard.macs,
                "separable_macs": cost.separable_macs,
                "module_params": [standard.weight.numel(), separable_weights],
                "module_macs": [_counted_macs(standard, positions), separable_macs],
                "mac_ratio": cost.ratio,
                "formula": 1 / count + 1 / KERNEL**2,
                "standard_seconds": seconds[0],
                "separable_seconds": seconds[1],
            }
        )
    for row in rows:
        row["time_ratio"] = row["separable_seconds"] / row["standard_seconds"]
    return jsonable({"kernel": KERNEL, "image_size": size, "batch": batch, "rows": rows})


def key_numbers(data: dict) -> dict:
    """Per channel count: MAC ratio against the formula, parameter ratio, time ratio."""
    numbers = {}
    for row in data["rows"]:
        n = row["channels"]
        numbers[f"N = {n}: MACs separable / standard"] = row["mac_ratio"]
        numbers[f"N = {n}: formula 1/N + 1/{data['kernel'] ** 2}"] = row["formula"]
        numbers[f"N = {n}: params separable / standard"] = (
            row["separable_params"] / row["standard_params"]
        )
        numbers[f"N = {n}: time separable / standard"] = row["time_ratio"]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Absolute MACs and times, then the three ratios against the formula."""
    plt = pyplot()
    rows = data["rows"]
    channels = np.array([row["channels"] for row in rows])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    axes[0].loglog(channels, [r["standard_macs"] for r in rows], "o-", label="standard")
    axes[0].loglog(channels, [r["separable_macs"] for r in rows], "s-", label="separable")
    axes[0].set(
        title=f"MACs per image ({data['image_size']}x{data['image_size']}, 3x3)",
        xlabel="channels M = N",
    )
    axes[1].loglog(channels, [r["standard_seconds"] * 1e3 for r in rows], "o-", label="standard")
    axes[1].loglog(channels, [r["separable_seconds"] * 1e3 for r in rows], "s-", label="separable")
    axes[1].set(title=f"measured forward time, batch {data['batch']} (ms)", xlabel="channels M = N")
    fine = np.geomspace(channels.min(), channels.max(), 100)
    axes[2].semilogx(fine, 1 / fine + 1 / data["kernel"] ** 2, "k-", label="1/N + 1/F²")
    axes[2].semilogx(channels, [r["mac_ratio"] for r in rows], "o", label="MACs (analyzer)")
    axes[2].semilogx(
        channels,
        [r["separable_params"] / r["standard_params"] for r in rows],
        "x",
        markersize=9,
        label="parameters",
    )
    axes[2].semilogx(channels, [r["time_ratio"] for r in rows], "s--", label="measured time")
    axes[2].axhline(1.0, color="grey", linewidth=0.8)
    top = max(1.2, 1.1 * max(r["time_ratio"] for r in rows))
    axes[2].set(title="separable / standard", xlabel="channels M = N", ylim=(0, top))
    for ax in axes:
        ax.minorticks_off()
        ax.set_xticks(channels, [str(c) for c in channels])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Depthwise separable convolution: cost 1/N + 1/F² of a standard one")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment(
    "depthwise", LESSON, run, key_numbers, render, timed_labels=("time separable / standard",)
)
