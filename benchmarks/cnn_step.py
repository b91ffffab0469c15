"""One CNN training step, hubel vs PyTorch eager on the CPU, and where hubel's time goes.

conv3x3(3→32)-BN-ReLU-conv3x3(32→64)-BN-ReLU-maxpool2-conv3x3(64→128)-BN-ReLU-maxpool2-
global average pool-linear(128→10), softmax cross-entropy, SGD with momentum; 32x32x3 input,
batch 128, float32. Both frameworks start from the same weights (copied by state_dict name);
median of 15 steps after warm-up; PyTorch's whole block first, then hubel's. Both use their
default threads (PyTorch's intra-op pool, hubel's ``hb.get_num_threads()``); hubel's step is
also timed on one thread, and split by op (wall time) and, on one thread, by kernel: window
extraction, matrix products (the input gradient's per-tap products included), the copy of the
gradient onto the padded grid that those products read, batch norm, max pooling.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/cnn_step.py
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections import defaultdict

import numpy as np
import torch
from common import environment, median_ms, peak_rss_mib, report

import hubel as hb
from hubel import nn, optim
from hubel.functional import activation, conv, norm, pool
from hubel.kernels import conv as conv_kernel

BATCH, STEPS = 128, 15


def hubel_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(128, 10),
    )


def torch_model() -> torch.nn.Sequential:
    t = torch.nn
    return t.Sequential(
        t.Conv2d(3, 32, 3, padding=1),
        t.BatchNorm2d(32),
        t.ReLU(),
        t.Conv2d(32, 64, 3, padding=1),
        t.BatchNorm2d(64),
        t.ReLU(),
        t.MaxPool2d(2),
        t.Conv2d(64, 128, 3, padding=1),
        t.BatchNorm2d(128),
        t.ReLU(),
        t.MaxPool2d(2),
        t.AdaptiveAvgPool2d(1),
        t.Flatten(),
        t.Linear(128, 10),
    )


def torch_step_fn(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def hubel_step_fn(model, x, y):
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = hb.from_numpy(x), hb.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ------------------------------------------------------------------------------ time split
def _timer(function, category: str, parts: dict):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            parts[category] += time.perf_counter() - start

    return timed


@contextlib.contextmanager
def timed(parts: dict, targets):
    """Wrap ``targets`` ((owner, attribute, category) triples) with timers adding into
    ``parts`` (seconds)."""
    saved = []
    for owner, name, category in targets:
        original = owner.__dict__[name]
        function = original.__func__ if isinstance(original, staticmethod) else original
        wrapper = _timer(function, category, parts)
        setattr(
            owner, name, staticmethod(wrapper) if isinstance(original, staticmethod) else wrapper
        )
        saved.append((owner, name, original))
    # col2im asks for one column block (a product G W_kᵀ) per tap: time those separately.
    tap_columns = conv_kernel._tap_columns
    conv_kernel._tap_columns = lambda *a: _timer(tap_columns(*a), "tap products", parts)
    try:
        yield
    finally:
        conv_kernel._tap_columns = tap_columns
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


OPS = [  # wall time per op, every thread working
    (conv.Conv2d, "forward", "conv forward"),
    (conv.Conv2d, "backward", "conv backward"),
    (norm.BatchNormTrain, "forward", "batch norm forward"),
    (norm.BatchNormTrain, "backward", "batch norm backward"),
    (pool.MaxPool2d, "forward", "max pool forward"),
    (pool.MaxPool2d, "backward", "max pool backward"),
    (activation.ReLU, "forward", "ReLU forward"),
    (activation.ReLU, "backward", "ReLU backward"),
]
CONV_PARTS = [  # inside the convolutions, on one thread (shares would overlap in time)
    (conv_kernel, "im2col", "extract"),
    (conv_kernel, "pad_image", "extract"),
    (conv_kernel, "col2im", "col2im"),
    (conv_kernel, "col2im_shifted", "col2im"),
    (conv_kernel, "extend_columns", "col2im"),
    (conv_kernel, "input_grad_taps", "taps"),  # the per-tap path: G onto the padded grid + products
    (conv_kernel.blas, "gemm", "blas"),
    (conv.Conv2d, "forward", "conv"),
    (conv.Conv2d, "backward", "conv"),
    (norm.BatchNormTrain, "forward", "batch norm"),
    (norm.BatchNormTrain, "backward", "batch norm"),
    (pool.MaxPool2d, "backward", "max pool"),
    (pool.MaxPool2d, "forward", "max pool"),
]


def _median_split(step, targets, arrange, steps: int = 7) -> dict:
    per_step = defaultdict(list)
    for _ in range(steps):
        raw = defaultdict(float)
        with timed(raw, targets):
            start = time.perf_counter()
            step()
            total = time.perf_counter() - start
        parts = arrange(raw)
        parts["other (loss, linear, SGD, autograd, ...)"] = total - sum(parts.values())
        parts["total"] = total
        for name, seconds in parts.items():
            per_step[name].append(seconds * 1000)
    return {name: statistics.median(ms) for name, ms in per_step.items()}


def op_split(step) -> dict:
    """Median milliseconds per step of each op (wall time, threads as configured)."""
    return _median_split(step, OPS, lambda raw: {name: raw[name] for _, _, name in OPS})


def kernel_split(step) -> dict:
    """Median milliseconds per step of extraction, products, scatter-back, batch norm and
    max pool, measured with one thread so that the parts add up to the step."""
    threads = hb.get_num_threads()
    hb.set_num_threads(1)
    try:
        return _median_split(
            step,
            CONV_PARTS,
            lambda raw: {
                "window extraction (pad + im2col)": raw["extract"],
                "matrix products": raw["conv"]
                - raw["extract"]
                - raw["col2im"]
                + raw["tap products"]
                - (raw["taps"] - raw["blas"]),
                "scatter-back (NumPy col2im adds, without direct BLAS)": raw["col2im"]
                - raw["tap products"],
                "G onto the padded grid (input gradient)": raw["taps"] - raw["blas"],
                "batch norm": raw["batch norm"],
                "max pool": raw["max pool"],
            },
        )
    finally:
        hb.set_num_threads(threads)


def _print_split(title: str, split: dict) -> None:
    total = split.pop("total")
    print(f"{title} (median of 7 instrumented steps, total {total:.0f} ms):")
    for name, ms in sorted(split.items(), key=lambda item: -item[1]):
        print(f"  {name:55s} {ms:7.1f} ms  {100 * ms / total:5.1f}%")


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    threads = hb.get_num_threads()
    print(f"BLAS: {environment()}; threads: torch {torch.get_num_threads()}, hubel {threads}")
    hb.manual_seed(0)
    model = hubel_model()
    twin = torch_model()
    twin.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    torch_step, hubel_step = torch_step_fn(twin, x, y), hubel_step_fn(model, x, y)
    first_torch = torch_step()  # same weights, same batch: the first losses must agree
    torch_ms = median_ms(torch_step, STEPS)
    first_hubel = hubel_step()
    hubel_ms = median_ms(hubel_step, STEPS)
    print(f"first-step loss: PyTorch {first_torch:.6f}  hubel {first_hubel:.6f}")
    report(f"CNN step batch {BATCH} 32x32x3 SGD-momentum (median of {STEPS})", torch_ms, hubel_ms)
    hb.set_num_threads(1)
    single_ms = median_ms(hubel_step, STEPS)
    hb.set_num_threads(threads)
    print(f"hubel with 1 thread (hb.set_num_threads(1)): {single_ms:.1f} ms")
    _print_split(f"hubel step by op, {threads} threads", op_split(hubel_step))
    if hb.kernels.jit_active():
        print("(the convolutions ran as compiled loops: no im2col / BLAS split to show; run")
        print(" with HUBEL_JIT=0 for the NumPy kernels' split)")
    else:
        _print_split("hubel step by kernel, 1 thread", kernel_split(hubel_step))
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
