"""The fast ReLU: the reference's two passes (``functional/activation.py``), each thread taking
a share of the batch, the backward in cache-sized blocks; float32 as one compiled loop per pass
(``pointwise_jit.py``) where numba is installed."""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from . import jit, parallel


def memory(a):
    """``a``'s elements as a 1-D view in memory order, for C-contiguous arrays and for the NCHW
    views of channels-last memory the conv kernels return; None for other layouts."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.ndim == 4 and a.transpose(0, 2, 3, 1).flags.c_contiguous:
        return a.transpose(0, 2, 3, 1).reshape(-1)
    return None


def _compiled(*arrays):
    """The compiled loops when they are in force and take these arrays (NumPy float32 of one
    memory layout that ``memory`` reads, at least ``jit.SERIAL_BYTES``), else None."""
    first = arrays[0]
    if type(first).__module__ != "numpy" or first.dtype != np.float32:
        return None
    if any(a.dtype != np.float32 or a.strides != first.strides for a in arrays[1:]):
        return None
    if first.nbytes < jit.SERIAL_BYTES or memory(first) is None:
        return None
    return jit.module("pointwise_jit")


def forward(ctx, x):
    """y = max(0, x), with x's memory layout (channels-last stays channels-last)."""
    xp = get_array_module(x)
    y = xp.empty_like(x)
    compiled = _compiled(x, y)
    if compiled is not None:
        jit.run(compiled.relu_forward, memory(x), memory(y), threads=jit.pass_threads(x.nbytes))
    else:
        parallel.over_batch(lambda s: xp.maximum(x[s], 0, out=y[s]), y)
    ctx.save_for_backward(y)
    return y


def backward(ctx, grad):
    """dL/dx = 0 where y <= 0, else G (the reference's select), in the gradient's dtype."""
    (y,) = ctx.saved_tensors
    xp = get_array_module(grad)
    out = xp.empty_like(y, dtype=grad.dtype)
    compiled = _compiled(y, grad, out)
    if compiled is not None:
        threads = jit.pass_threads(out.nbytes)
        jit.run(compiled.relu_backward, memory(grad), memory(y), memory(out), threads=threads)
        return out

    def select(s):
        out[s] = grad[s]
        xp.copyto(out[s], 0, where=y[s] <= 0)

    parallel.over_batch(select, out, blocked=True)
    return out
