"""Shared by the benchmarks: timing, BLAS thread info, peak memory, result lines.

Run benchmarks with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` (those variables select a
slow OpenBLAS kernel on this machine). PyTorch's block runs first, then hubel's, never call by
call: on 2 cores their thread pools would fight and both would slow down.
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import time
from collections import defaultdict
from collections.abc import Callable


def median_ms(step: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``step`` in milliseconds over ``repeats`` calls after ``warmup``."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def add_threads_option(parser) -> None:
    """``--threads N``: the thread count ``set_threads`` gives every library."""
    parser.add_argument(
        "--threads", type=int, help="BLAS, PyTorch and hubel threads (default: theirs)"
    )


def set_threads(threads: int | None) -> None:
    """Hold OpenBLAS, PyTorch and hubel to ``threads`` each (None: leave their defaults).
    One thread for all is steadier on a shared machine."""
    if not threads:
        return
    import torch
    from threadpoolctl import threadpool_limits

    import hubel as hb

    threadpool_limits(threads)
    torch.set_num_threads(threads)
    hb.set_num_threads(threads)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def environment() -> str:
    """Which BLAS kernel runs, and whether the slow-kernel variables are set."""
    parts = []
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                parts.append(
                    f"{pool['internal_api']} {pool.get('architecture', '?')} x{pool['num_threads']}"
                )
    except ImportError:
        parts.append("threadpoolctl not installed")
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            parts.append(f"{name}={os.environ[name]} (slow kernel: unset it for benchmarks)")
    return "; ".join(parts)


def report(title: str, torch_ms: float, hubel_ms: float, unit: str = "ms") -> None:
    print(
        f"{title}: PyTorch {torch_ms:.1f} {unit}   hubel {hubel_ms:.1f} {unit}   "
        f"ratio hubel/PyTorch {hubel_ms / torch_ms:.2f}"
    )


def _function_classes():
    """Every ``Function`` subclass defined so far (the ops of ``hubel.functional`` and any
    other), each once."""
    from hubel.autograd import Function

    found, pending = [], list(Function.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@contextlib.contextmanager
def op_timers(seconds: dict):
    """Inside the block, each op's forward and backward add their wall time into
    ``seconds["<Op> forward"]`` / ``seconds["<Op> backward"]``. Ops run on raw arrays and never
    call one another, so the parts do not overlap and add up to the time spent in ops."""

    def timer(function, key):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - start

        return staticmethod(timed)

    patched = []
    for cls in _function_classes():
        for method in ("forward", "backward"):
            if method in cls.__dict__:
                original = cls.__dict__[method]
                function = getattr(original, "__func__", original)  # staticmethod or plain
                setattr(cls, method, timer(function, f"{cls.__name__} {method}"))
                patched.append((cls, method, original))
    try:
        yield
    finally:
        for cls, method, original in reversed(patched):
            setattr(cls, method, original)


def op_split(step: Callable[[], object], steps: int = 5) -> dict[str, float]:
    """Median milliseconds per call of ``step`` spent in each op's forward and backward
    (``op_timers``), the rest (optimizer update, autograd bookkeeping, Python) under
    ``"other"``, and the whole step under ``"total"``."""
    per_step = defaultdict(list)
    for _ in range(steps):
        seconds = defaultdict(float)
        with op_timers(seconds):
            start = time.perf_counter()
            step()
            total = time.perf_counter() - start
        seconds["other (optimizer, autograd, Python)"] = total - sum(seconds.values())
        seconds["total"] = total
        for key, value in seconds.items():
            per_step[key].append(value * 1000)
    return {key: statistics.median(values) for key, values in per_step.items()}


def print_split(title: str, split: dict[str, float], smallest_ms: float = 0.5) -> None:
    """The ``op_split`` table, largest part first; parts under ``smallest_ms`` summed in one row."""
    split = dict(split)
    total = split.pop("total")
    print(f"{title} (total {total:.0f} ms):")
    small = 0.0
    for name, ms in sorted(split.items(), key=lambda item: -item[1]):
        if ms < smallest_ms:
            small += ms
            continue
        print(f"  {name:45s} {ms:8.1f} ms  {100 * ms / total:5.1f}%")
    if small:
        label = f"(each under {smallest_ms:.1f} ms)"
        print(f"  {label:45s} {small:8.1f} ms  {100 * small / total:5.1f}%")
