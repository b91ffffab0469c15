"""One optimizer step on the homework MLP's parameters: hubel's Adam against torch.optim.Adam.

The MLP 3072-1024-512-10 has 3,676,682 float32 parameters, stored as Linear layers store them:
(1024, 3072), (1024,), (512, 1024), (512,), (10, 512), (10,). Every parameter gets a fixed
random gradient; ``step()`` alone is timed, median of 30 after 5 warm-up steps, PyTorch's
block first, then hubel's. PyTorch runs on one thread, like NumPy's element-wise ops.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/optim_step.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

import hubel as hb  # noqa: E402
from hubel import nn, optim  # noqa: E402

SHAPES = [(1024, 3072), (1024,), (512, 1024), (512,), (10, 512), (10,)]
WARMUP, REPEATS = 5, 30


def median_step_ms(opt) -> float:
    for _ in range(WARMUP):
        opt.step()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s, dtype=np.float32) * 0.05 for s in SHAPES]
    grads = [rng.standard_normal(s, dtype=np.float32) * 1e-3 for s in SHAPES]

    twins = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    for t, g in zip(twins, grads):
        t.grad = torch.tensor(g)
    torch_ms = median_step_ms(torch.optim.Adam(twins, lr=1e-3))

    params = [nn.Parameter(w.copy()) for w in weights]
    for p, g in zip(params, grads):
        p.grad = hb.tensor(g)
    hubel_ms = median_step_ms(optim.Adam(params, lr=1e-3))
    assert all(p.dtype == np.float32 for p in params)

    count = sum(int(np.prod(s)) for s in SHAPES)
    print(
        f"Adam step, {count:,} float32 parameters in {len(SHAPES)} tensors, median of "
        f"{REPEATS}, torch {torch.__version__} on 1 thread, numpy {np.__version__}"
    )
    print(f"  torch.optim.Adam  {torch_ms:7.2f} ms")
    print(f"  hubel.optim.Adam  {hubel_ms:7.2f} ms   hubel / torch = {hubel_ms / torch_ms:4.2f}x")


if __name__ == "__main__":
    main()
