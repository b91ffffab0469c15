"""ResNet-20's convolution layers one at a time, hubel vs PyTorch eager on the CPU: forward, and
forward + backward (input and weight gradients), batch 128, float32, with GFLOP/s.

hubel's input is a channels-last map seen as NCHW, as a conv or batch norm kernel hands it to
the next layer. Median of ``--repeats`` calls after two warm-ups; PyTorch's whole block first,
then hubel's. ``--numpy`` runs hubel with the compiled kernels off (``hb.kernels.use_jit``),
for the NumPy kernels' numbers.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/conv_layers.py
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from common import add_threads_option, environment, median_ms, set_threads

import hubel as hb

# (C_in, C_out, H = W, stride): the stem, each stage's 3x3 layer and the two downsamplings.
LAYERS = [
    (3, 16, 32, 1),
    (16, 16, 32, 1),
    (16, 32, 32, 2),
    (32, 32, 16, 1),
    (32, 64, 16, 2),
    (64, 64, 8, 1),
]
BATCH = 128


def gflop(c_in, c_out, size, stride) -> float:
    """One product's GFLOP: 2 x multiply-adds of the forward."""
    out = size // stride
    return 2 * BATCH * out * out * c_out * c_in * 9 / 1e9


def torch_times(c_in, c_out, size, stride, repeats):
    x = torch.randn(BATCH, c_in, size, size, requires_grad=True)
    w = torch.randn(c_out, c_in, 3, 3, requires_grad=True)
    g = torch.randn(BATCH, c_out, size // stride, size // stride)

    def forward():
        with torch.no_grad():
            torch.nn.functional.conv2d(x, w, stride=stride, padding=1)

    def both():
        torch.nn.functional.conv2d(x, w, stride=stride, padding=1).backward(g)

    return median_ms(forward, repeats, warmup=2), median_ms(both, repeats, warmup=2)


def hubel_times(c_in, c_out, size, stride, repeats):
    rng = np.random.default_rng(0)
    nhwc = rng.standard_normal((BATCH, size, size, c_in), dtype=np.float32)
    x = hb.tensor(nhwc.transpose(0, 3, 1, 2), requires_grad=True)
    w = hb.tensor(rng.standard_normal((c_out, c_in, 3, 3), dtype=np.float32), requires_grad=True)
    g = hb.tensor(
        rng.standard_normal((BATCH, c_out, size // stride, size // stride), dtype=np.float32)
    )

    def forward():
        with hb.no_grad():
            hb.nn.functional.conv2d(x, w, stride=stride, padding=1)

    def both():
        hb.nn.functional.conv2d(x, w, stride=stride, padding=1).backward(g)

    return median_ms(forward, repeats, warmup=2), median_ms(both, repeats, warmup=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="timed calls per layer (9)")
    parser.add_argument("--numpy", action="store_true", help="hubel without compiled kernels")
    add_threads_option(parser)
    args = parser.parse_args()
    set_threads(args.threads)
    hb.kernels.use_jit(not args.numpy)
    print(
        f"BLAS: {environment()}; threads: torch {torch.get_num_threads()}, hubel "
        f"{hb.get_num_threads()}; compiled kernels: {hb.kernels.jit_active()}"
    )
    torch_ms = [torch_times(*layer, args.repeats) for layer in LAYERS]
    hubel_ms = [hubel_times(*layer, args.repeats) for layer in LAYERS]
    print(f"\nconv 3x3, padding 1, batch {BATCH}, float32 (median of {args.repeats}):")
    print(
        f"{'layer':<22}{'PyTorch fwd':>12}{'hubel fwd':>10}{'ratio':>7}"
        f"{'PyTorch f+b':>13}{'hubel f+b':>10}{'ratio':>7}{'hubel GFLOP/s f+b':>19}"
    )
    for layer, (tf, tb), (hf, hbw) in zip(LAYERS, torch_ms, hubel_ms):
        c_in, c_out, size, stride = layer
        name = f"{c_in}->{c_out} {size}x{size} s{stride}"
        rate = 3 * gflop(*layer) / (hbw / 1000)  # forward, input and weight gradients
        print(
            f"{name:<22}{tf:12.2f}{hf:10.2f}{hf / tf:7.2f}{tb:13.2f}{hbw:10.2f}{hbw / tb:7.2f}"
            f"{rate:19.0f}"
        )


if __name__ == "__main__":
    main()
