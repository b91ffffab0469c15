"""MobileNet's depthwise-separable block against a standard convolution: predicted and measured.

Block: depthwise 3x3 (groups = 64) then pointwise 1x1 (64 → 64), against one standard 3x3 conv
64 → 64; no biases; 32x32 maps, batch 64, float32, input gradient included in backward. The
course's MAC count (D_K kernel, M in and N out channels, D_F map size):

    separable / standard = (D_K²·M·D_F² + M·N·D_F²) / (D_K²·M·N·D_F²) = 1/N + 1/D_K²

PyTorch's block first, then hubel's; median of 15 runs after warm-up.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/depthwise.py
"""

from __future__ import annotations

import numpy as np
import torch
from common import environment, median_ms

import hubel as hb
from hubel import nn

BATCH, CHANNELS, SIZE, KERNEL, REPEATS = 64, 64, 32, 3, 15


def blocks(m):
    standard = m.Conv2d(CHANNELS, CHANNELS, KERNEL, padding=1, bias=False)
    separable = m.Sequential(
        m.Conv2d(CHANNELS, CHANNELS, KERNEL, padding=1, groups=CHANNELS, bias=False),
        m.Conv2d(CHANNELS, CHANNELS, 1, bias=False),
    )
    return standard, separable


def timings(block, x, upstream, tensor, grad_mode):
    """(forward ms, forward + backward ms) of ``block``."""
    with grad_mode():
        forward = median_ms(lambda: block(tensor(x)), REPEATS)

    def step():
        inp = tensor(x, requires_grad=True)
        block(inp).backward(tensor(upstream))

    return forward, median_ms(step, REPEATS)


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, CHANNELS, SIZE, SIZE)).astype(np.float32)
    upstream = rng.standard_normal(x.shape).astype(np.float32)
    d_k, m, n, d_f = KERNEL, CHANNELS, CHANNELS, SIZE
    standard_macs = d_k**2 * m * n * d_f**2
    separable_macs = d_k**2 * m * d_f**2 + m * n * d_f**2
    print(f"BLAS: {environment()}; torch threads {torch.get_num_threads()}")
    print(
        f"MACs per image: standard {standard_macs / 1e6:.1f}M, separable "
        f"{separable_macs / 1e6:.2f}M; predicted ratio 1/N + 1/D_K² = 1/{n} + 1/{d_k**2} = "
        f"{1 / n + 1 / d_k**2:.4f} (counted {separable_macs / standard_macs:.4f})"
    )
    results = {}
    standard, separable = blocks(torch.nn)
    for name, block in (("standard", standard), ("separable", separable)):
        results["PyTorch", name] = timings(block, x, upstream, torch.tensor, torch.no_grad)
    standard, separable = blocks(nn)
    for name, block in (("standard", standard), ("separable", separable)):
        results["hubel", name] = timings(block, x, upstream, hb.tensor, hb.no_grad)
    for framework in ("PyTorch", "hubel"):
        std_f, std_fb = results[framework, "standard"]
        sep_f, sep_fb = results[framework, "separable"]
        print(
            f"{framework:8s} forward: standard {std_f:6.1f} ms, separable {sep_f:6.1f} ms, "
            f"ratio {sep_f / std_f:.3f} | forward+backward: standard {std_fb:6.1f} ms, "
            f"separable {sep_fb:6.1f} ms, ratio {sep_fb / std_fb:.3f}"
        )


if __name__ == "__main__":
    main()
