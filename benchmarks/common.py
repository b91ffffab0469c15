"""Shared by the benchmarks: timing, BLAS thread info, peak memory, result lines.

Run benchmarks with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` (those variables select a
slow OpenBLAS kernel on this machine). PyTorch's block runs first, then hubel's, never call by
call: on 2 cores their thread pools would fight and both would slow down.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
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
