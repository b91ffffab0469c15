"""The fast path under the reference ops: threads, direct BLAS calls, chunked im2col, fused passes.

Every op in ``hubel.functional`` (and every update rule in ``hubel.optim``) is written as the
textbook writes it; that code is the specification. This package holds faster ways to do some
of those steps, each tested equal to the reference over every configuration it accepts
(``tests/kernels``). A reference Function asks for one by name::

    out = kernels.forward(ctx, "conv2d", x, weight, bias, window, groups)
    if out is not None:              # the fast kernel ran (and will run the backward too)
        return out
    ...                              # the reference code

A kernel may decline (returns ``None``: a dtype, device or shape it does not handle), and then
the reference code runs. Which path is in force is one switch::

    hb.kernels.use("reference")      # every op runs exactly the code in functional/ and optim/
    with hb.kernels.use("reference"): ...   # or only inside the block
    hb.kernels.active()              # "fast" (the default) or "reference"

or the environment variable ``HUBEL_KERNELS=reference|fast``, read when hubel is imported.

Some fast kernels are compiled loops (numba, the optional ``fast`` extra, ``jit.py``); without
numba, or with ``HUBEL_JIT=0`` / ``hb.kernels.use_jit(False)``, their NumPy versions run.
"""

from __future__ import annotations

import os

from . import conv_planes, linear, norm, optim, pool, relu
from .jit import jit_active, use_jit
from .parallel import get_num_threads, set_num_threads

MODES = ("fast", "reference")

# op name → the module of its fast kernel (``forward``/``backward`` or an update function).
FAST = {
    "conv2d": conv_planes,  # inference on plane-order columns where it wins, else conv.py
    "max_pool2d": pool,
    "batch_norm": norm.Train,
    "batch_norm_eval": norm.Eval,
    "relu": relu,
    "linear": linear,  # small products on one BLAS thread
    "adam": optim.adam,
    "sgd": optim.sgd,
    "rmsprop": optim.rmsprop,
}


def _check_mode(mode, owner: str) -> str:
    if mode not in MODES:
        raise ValueError(f"{owner}: expected 'fast' or 'reference', got {mode!r}")
    return mode


_mode = _check_mode(os.environ.get("HUBEL_KERNELS", "").strip() or "fast", "HUBEL_KERNELS")
_in_force = FAST if _mode == "fast" else {}


def active() -> str:
    """The kernels in force: ``"fast"`` or ``"reference"``."""
    return _mode


def _set(mode: str) -> None:
    global _mode, _in_force
    _mode, _in_force = mode, FAST if mode == "fast" else {}


class use:
    """Switch every op to ``"reference"`` (the code in functional/ and optim/) or ``"fast"``.

    Takes effect at once; used as a context manager, the previous setting comes back at the
    end of the block. A graph records which path made each node, so a backward runs the same
    path as its forward even if the switch changed in between.
    """

    def __init__(self, mode: str):
        self._previous = _mode
        _set(_check_mode(mode, "kernels.use"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self._previous)
        return False


def lookup(op: str):
    """The fast kernel for ``op`` while ``"fast"`` is in force, else None."""
    return _in_force.get(op)


def forward(ctx, op: str, *args):
    """Run ``op``'s fast forward if one is in force and accepts ``args``; its result, or None
    for the caller to run its reference code. Records on ``ctx.kernel`` which ran, so that
    ``backward`` takes the same path."""
    kernel = _in_force.get(op)
    out = None if kernel is None else kernel.forward(ctx, *args)
    ctx.kernel = kernel if out is not None else None
    return out


__all__ = [
    "MODES",
    "active",
    "forward",
    "get_num_threads",
    "jit_active",
    "lookup",
    "set_num_threads",
    "use",
    "use_jit",
]
