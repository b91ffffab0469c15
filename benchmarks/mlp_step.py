"""The homework's MLP training step, hubel vs PyTorch eager on the CPU.

3072-1024-512-10, ReLU, batch 256, Adam, float32: forward, cross-entropy, backward, update.
Median of 30 steps after warm-up; PyTorch's block first, then hubel's.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/mlp_step.py
"""

from __future__ import annotations

import numpy as np
import torch
from common import environment, median_ms, peak_rss_mib, report

import hubel as hb
from hubel import nn, optim

BATCH, SIZES, STEPS = 256, (3072, 1024, 512, 10), 30


def torch_step_fn(x, y):
    layers = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def hubel_step_fn(x, y):
    model = hb.models.MLP(SIZES[0], SIZES[1:-1], SIZES[-1])
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = hb.from_numpy(x), hb.from_numpy(y)

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    return step, model


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    print(f"BLAS: {environment()}; torch threads {torch.get_num_threads()}")
    torch_ms = median_ms(torch_step_fn(x, y), STEPS)
    rss_after_torch = peak_rss_mib()
    step, model = hubel_step_fn(x, y)
    hubel_ms = median_ms(step, STEPS)
    assert all(p.dtype == np.float32 for p in model.parameters()), "a parameter left float32"
    report(
        f"MLP {'-'.join(map(str, SIZES))} batch {BATCH} Adam step (median of {STEPS})",
        torch_ms,
        hubel_ms,
    )
    print(
        f"peak RSS: {rss_after_torch:.0f} MiB after the PyTorch block, "
        f"{peak_rss_mib():.0f} MiB after hubel's"
    )


if __name__ == "__main__":
    main()
