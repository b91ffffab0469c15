"""The compiled kernels (numba, the optional ``fast`` extra: ``pip install 'hubel[fast]'``).

Where numba is installed, the fast path runs some kernels as compiled loops (``conv_jit.py``);
everywhere else, and whenever it is switched off, the NumPy kernels run, which give the same
numbers to rounding and are tested against the reference just the same. numba is imported the
first time such a kernel is wanted, never by ``import hubel``.

    HUBEL_JIT=0                     # environment: never use the compiled kernels
    hb.kernels.use_jit(False)       # at run time (also a context manager)
    hb.kernels.jit_active()         # True when the compiled kernels run

Calls go through ``run``: one at a time (numba's thread pools must not be entered from two
threads at once), with numba's thread count set to hubel's (``hb.set_num_threads``). A process
forked from one whose compiled kernels have run uses the NumPy kernels (an OpenMP thread pool
does not survive a fork).
"""

from __future__ import annotations

import importlib
import os
import threading

from . import parallel

_lock = threading.Lock()
_modules = {}  # name → the compiled kernels' module, False when numba is missing or failed
_wanted = os.environ.get("HUBEL_JIT", "").strip() not in ("0", "false", "no", "off")
_forked = False
_wide = None  # wide_vectors(), once known
# Element-wise passes over less than this stay in NumPy. Waking the pool costs more than such a
# pass, and next to matrix products it is worse: OpenBLAS's workers spin for a while after each
# product and take the core from numba's (the homework MLP's ReLU on 1 MiB went from 24 to
# 31 ms a step compiled; a two-thread Adam update on 3.7 M parameters was no faster than one,
# so the compiled Adam, ``optim_jit.py``, runs on the calling thread whatever the size).
MIN_BYTES = 4 << 20
# From this size up to MIN_BYTES an element-wise pass runs compiled on the calling thread alone
# (``pass_threads``): one pass instead of NumPy's several, no pool to wake, no core taken from
# a spinning OpenBLAS worker. Below it, NumPy.
SERIAL_BYTES = 256 << 10


def module(name: str):
    """The compiled kernels' module ``name`` ("conv_jit", "pointwise_jit", "pool_jit" or
    "optim_jit") when they are in force, else None. The first call imports numba and the
    module (its machine code comes from numba's cache after the first run on a machine)."""
    if not _wanted or _forked:
        return None
    found = _modules.get(name)
    if found is None:
        with _lock:
            found = _modules.get(name)
            if found is None:
                try:
                    found = importlib.import_module(f"{__package__}.{name}")
                except ImportError:  # numba not installed: the NumPy kernels run
                    found = False
                if found and not any(_modules.values()):
                    _start_threads(found)
                _modules[name] = found
    return found or None


def _start_threads(compiled):
    """Start numba's thread pool now, its OpenMP threads waiting *passively* between calls.

    By default an OpenMP pool spins for a while after each parallel loop, waiting for the next;
    hubel's kernels run between NumPy passes and OpenBLAS products (whose own threads spin
    too), so spinning threads take the cores those need: ResNet-18 at batch 1 took 144 ms with
    spinning threads, 62 ms without. libgomp reads OMP_WAIT_POLICY once, when it is loaded:
    it is set for that moment (unless the user set it) and taken back, so nothing else in the
    process or its children sees it (PyTorch's OpenMP is a library of its own)."""
    global _pool_spins
    previous = os.environ.get("OMP_WAIT_POLICY")
    foreign = _openmp_loaded()  # then numba's loops run on that runtime, with its settings
    if previous is None:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        import numba
        import numpy as np

        if hasattr(compiled, "warm_up"):
            compiled.warm_up(np.zeros(1, np.float32))
            if numba.threading_layer() == "omp":
                policy = (previous or "").strip().upper()
                _pool_spins = policy == "ACTIVE" or (foreign and policy != "PASSIVE")
    finally:
        if previous is None:
            del os.environ["OMP_WAIT_POLICY"]


def _openmp_loaded() -> bool:
    """True when an OpenMP runtime is in the process's memory map (Linux; else False)."""
    try:
        with open("/proc/self/maps") as maps:
            return any(name in line for line in maps for name in _OPENMP_LIBRARIES)
    except OSError:
        return False


_OPENMP_LIBRARIES = ("libgomp", "libiomp5", "libomp.so")
_pool_spins = False


def pool_spins() -> bool:
    """True when numba's threads spin between parallel loops, so that waking them costs next
    to nothing. hubel starts them passive (``_start_threads``), and then waking them costs as
    much as a small loop: 65-120 us on a 2-core AMD Zen 4 virtual machine, where a 2-thread
    loop over 256 KiB takes 4 us once they are awake. They spin when the process had an
    OpenMP runtime before numba's (PyTorch's: numba's loops then run on it, which spins for a
    few ms after each loop, as PyTorch sets it) or when the user set OMP_WAIT_POLICY=ACTIVE.
    Loops small enough that the wake-up would cost more than a second thread saves run on
    the calling thread unless the threads spin (``conv_direct.pointwise``)."""
    return _pool_spins


def jit_active() -> bool:
    """True when the compiled (numba) kernels run where they exist."""
    return module("conv_jit") is not None


class use_jit:
    """Turn the compiled kernels on or off; as a context manager, only inside the block."""

    def __init__(self, enabled: bool):
        global _wanted
        if not isinstance(enabled, bool):
            raise TypeError(f"use_jit: enabled must be True or False, got {enabled!r}")
        self._previous = _wanted
        _wanted = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _wanted
        _wanted = self._previous
        return False


def wide_vectors() -> bool:
    """True when numba compiles for a CPU with AVX-512 (the features it compiles for: the
    host's, or NUMBA_CPU_FEATURES when set, as numba itself decides): ``conv_jit.py``'s 32-lane
    loops need its 32 vector registers of 512 bits."""
    global _wide
    if _wide is None:
        import llvmlite.binding as llvm
        from numba.core import config

        features = config.CPU_FEATURES
        if features is None:
            features = llvm.get_host_cpu_features().flatten()
        _wide = "+avx512f" in features.split(",")
    return _wide


def threads() -> int:
    """The threads a compiled kernel runs on: hubel's count, at most numba's pool."""
    import numba

    return max(1, min(parallel.get_num_threads(), numba.config.NUMBA_NUM_THREADS))


_default_threads = threads  # ``run``'s keyword argument hides the function inside it


def pass_threads(nbytes: int) -> int:
    """Threads for an element-wise pass over ``nbytes``: all of ``threads()`` from
    ``MIN_BYTES`` on, else one."""
    return threads() if nbytes >= MIN_BYTES else 1


def run(function, *args, threads: int | None = None):
    """``function(*args)``, one compiled call at a time, on ``threads`` threads (default
    ``threads()``)."""
    import numba

    count = _default_threads() if threads is None else threads
    with _lock:
        if getattr(_set_here, "count", None) != count:
            # numba's count is per thread; setting it costs ~5 us (its checks), as much as a
            # small kernel: MobileNetV2 at batch 1 runs 113 compiled calls per forward.
            numba.set_num_threads(count)
            _set_here.count = count
        return function(*args)


_set_here = threading.local()  # the count ``run`` last gave numba on this thread


def _after_fork_in_child():
    global _forked, _lock
    _lock = threading.Lock()
    if any(_modules.values()):
        _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
