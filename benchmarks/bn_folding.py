"""Inference latency before and after BN folding: CIFAR ResNet-56 and MobileNet v1 (its CIFAR
variant, 32x32 input), batch 64, float32, eval mode, no gradient recording.

Folding removes one BatchNorm pass over every conv's output (and adds a bias to convs that had
none): what that saves depends on how much of the time the convolutions themselves take.
Median of 10 forward passes each after one warm-up, the two models taking turns (ABBA order)
so that a change in the machine's load hits both alike; the folded model's output is checked
against the original's first.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bn_folding.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from common import environment, median_ms, peak_rss_mib

import hubel as hb
from hubel.analysis import fold_batchnorm
from hubel.models import get_model

BATCH, REPEATS = 64, 10
MODELS = ("resnet56", "mobilenet_v1_cifar")


def randomize_batchnorms(model, rng) -> None:
    """Trained-looking statistics, so the check below compares non-trivial BatchNorms."""
    for module in model.modules():
        if isinstance(module, hb.nn.BatchNorm2d):
            c = module.num_features
            module.running_mean.data[...] = rng.normal(0, 0.1, c)
            module.running_var.data[...] = rng.uniform(0.5, 1.5, c)
            module.weight.data[...] = rng.uniform(0.5, 1.5, c)
            module.bias.data[...] = rng.normal(0, 0.1, c)


def interleaved_medians(a: Callable, b: Callable, repeats: int) -> tuple[float, float]:
    """Median milliseconds of ``a`` and of ``b``, timed in turns: a b, b a, a b, ..."""
    times: dict[Callable, list[float]] = {a: [], b: []}
    a(), b()  # warm-up
    for round_ in range(repeats):
        for step in (a, b) if round_ % 2 == 0 else (b, a):
            times[step].append(median_ms(step, 1, warmup=0))
    return statistics.median(times[a]), statistics.median(times[b])


def benchmark(name: str, rng: np.random.Generator) -> None:
    model = get_model(name).eval()
    randomize_batchnorms(model, rng)
    x = hb.tensor(rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32))
    start = time.perf_counter()
    result = fold_batchnorm(model, x[:2])
    fold_s = time.perf_counter() - start
    with hb.no_grad():
        expected, got = model(x).detach().numpy(), result.model(x).detach().numpy()
        error = np.abs(got - expected).max() / np.abs(expected).max()
        before, after = interleaved_medians(partial(model, x), partial(result.model, x), REPEATS)
    print(
        f"{name} batch {BATCH} 3x32x32 float32: {len(result.folded)} BatchNorms folded in "
        f"{fold_s:.2f} s (max relative difference {error:.1e}); forward {before:.1f} ms "
        f"before, {after:.1f} ms after folding (median of {REPEATS}), speedup "
        f"{before / after:.2f}x"
    )


def main() -> None:
    print(f"BLAS: {environment()}")
    rng = np.random.default_rng(0)
    for name in MODELS:
        benchmark(name, rng)
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
