"""MobileNetV2's convolutions one by one at batch 1 (224x224, eval, no gradient), hubel vs
PyTorch eager on the CPU: the 17 depthwise 3x3 layers and the 34 pointwise 1x1 layers, each
run alone on a random input of its shape, in each library's own layout between layers (NCHW
for PyTorch, channels-last memory behind an NCHW view for hubel, as its layers hand it on).
PyTorch's block first (every layer), then hubel's; median of ``--repeats`` calls per layer,
and the sum per kind with its ratio.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/mobilenet_layers.py
    ... mobilenet_layers.py --per-layer     (a line per layer too)
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
import torch
from common import environment, median_ms

import hubel as hb
import hubel.functional as F

# (t, c, n, s) of Sandler et al.'s Table 2: expansion, output channels, repeats, first stride.
SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
            (6, 160, 3, 2), (6, 320, 1, 1)]  # fmt: skip


def layers() -> list[tuple[str, tuple, tuple, int]]:
    """(kind, input shape, filter shape, stride) of every depthwise and 1x1 convolution."""
    out, size, channels = [], 112, 32  # after the 3x3 stride-2 stem
    for t, c, n, s in SETTINGS:
        for i in range(n):
            stride, hidden = (s if i == 0 else 1), channels * t
            if t != 1:
                out.append(("1x1", (1, channels, size, size), (hidden, channels, 1, 1), 1))
            out.append(("depthwise", (1, hidden, size, size), (hidden, 1, 3, 3), stride))
            size = (size + 2 - 3) // stride + 1
            out.append(("1x1", (1, hidden, size, size), (c, hidden, 1, 1), 1))
            channels = c
    out.append(("1x1", (1, channels, size, size), (1280, channels, 1, 1), 1))
    return out


def channels_last(x: np.ndarray) -> hb.Tensor:
    """``x`` (N, C, H, W) as hubel's layers leave it: an NCHW view of (N, H, W, C) memory."""
    return hb.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--per-layer", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    specs = layers()
    arrays = [
        (rng.standard_normal(x).astype(np.float32), rng.standard_normal(w).astype(np.float32))
        for _, x, w, _ in specs
    ]
    print(f"BLAS: {environment()}; torch threads {torch.get_num_threads()}")

    def calls(conv, wrap_x, wrap_w):
        """One no-argument call per layer: ``conv`` on that layer's input and filters."""
        made = []
        for (kind, _, _, stride), (x, w) in zip(specs, arrays):
            options = dict(stride=stride, padding=w.shape[2] // 2)
            options["groups"] = w.shape[0] if kind == "depthwise" else 1
            made.append(partial(conv, wrap_x(x), wrap_w(w), **options))
        return made

    with torch.no_grad():
        torch_calls = calls(torch.nn.functional.conv2d, torch.from_numpy, torch.from_numpy)
        torch_ms = [median_ms(call, args.repeats) for call in torch_calls]
    with hb.no_grad():
        hubel_calls = calls(F.conv2d, channels_last, hb.tensor)
        hubel_ms = [median_ms(call, args.repeats) for call in hubel_calls]
    if args.per_layer:
        print(f"{'kind':10s} {'input':>18s} {'filters':>18s} s  PyTorch ms  hubel ms  ratio")
        for (k, x, w, s), a, b in zip(specs, torch_ms, hubel_ms):
            print(f"{k:10s} {str(x[1:]):>18s} {str(w):>18s} {s}  {a:10.3f} {b:9.3f} {b / a:6.2f}")
    for kind in ("depthwise", "1x1"):
        picked = [i for i, spec in enumerate(specs) if spec[0] == kind]
        a, b = sum(torch_ms[i] for i in picked), sum(hubel_ms[i] for i in picked)
        print(f"{kind:10s} {len(picked):3d} layers: PyTorch {a:6.2f} ms, hubel {b:6.2f} ms", end="")
        print(f", ratio {b / a:.2f}")


if __name__ == "__main__":
    main()
