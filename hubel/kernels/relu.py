"""The fast ReLU: the reference's two passes (``functional/activation.py``), each thread taking
a share of the batch, the backward in cache-sized blocks."""

from __future__ import annotations

from ..backend import get_array_module
from . import parallel


def forward(ctx, x):
    """y = max(0, x), with x's memory layout (channels-last stays channels-last)."""
    xp = get_array_module(x)
    y = xp.empty_like(x)
    parallel.over_batch(lambda s: xp.maximum(x[s], 0, out=y[s]), y)
    ctx.save_for_backward(y)
    return y


def backward(ctx, grad):
    """dL/dx = G where y > 0, in the gradient's dtype."""
    (y,) = ctx.saved_tensors
    xp = get_array_module(grad)
    out = xp.empty_like(y, dtype=grad.dtype)
    parallel.over_batch(lambda s: xp.multiply(grad[s], y[s] > 0, out=out[s]), out, blocked=True)
    return out
