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

import os
import threading

from . import parallel

_lock = threading.Lock()
_module = None  # conv_jit once imported; False when numba is missing or failed to load
_wanted = os.environ.get("HUBEL_JIT", "").strip() not in ("0", "false", "no", "off")
_forked = False


def _load():
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                try:
                    from . import conv_jit
                except ImportError:  # numba not installed: the NumPy kernels run
                    conv_jit = False
                _module = conv_jit
    return _module


def kernels():
    """The compiled kernels' module when they are in force, else None."""
    if not _wanted or _forked:
        return None
    return _load() or None


def jit_active() -> bool:
    """True when the compiled (numba) kernels run where they exist."""
    return kernels() is not None


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


def threads() -> int:
    """The threads a compiled kernel runs on: hubel's count, at most numba's pool."""
    import numba

    return max(1, min(parallel.get_num_threads(), numba.config.NUMBA_NUM_THREADS))


def run(function, *args):
    """``function(*args)``, one compiled call at a time, on ``threads()`` threads."""
    import numba

    with _lock:
        numba.set_num_threads(threads())
        return function(*args)


def _after_fork_in_child():
    global _forked, _lock
    _lock = threading.Lock()
    if _module:
        _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
