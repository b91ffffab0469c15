"""The fast fully connected layer: the reference's products (``functional/linear.py``), small
ones on one BLAS thread.

OpenBLAS splits even a (1, 512) x (512, 1000) product over its threads, which saves next to
nothing, and then its second thread spins for about 0.1 s waiting for more work, taking a core
from whatever runs next: ResNet-18 at batch 1 (its classifier is such a product) ran its next
forward in 55 ms instead of 41 while that thread spun. Products under ``SMALL_PRODUCT_MACS``
multiply-adds run on one thread; larger ones, where the second thread pays (the homework MLP's
first layer, 805 M multiply-adds at batch 256), are left to the reference.
"""

from __future__ import annotations

from . import parallel

SMALL_PRODUCT_MACS = 64 << 20


def _small(x, weight) -> bool:
    if type(x).__module__ != "numpy" or type(weight).__module__ != "numpy":
        return False
    rows = x.size // max(1, x.shape[-1])
    return rows * weight.size < SMALL_PRODUCT_MACS and parallel.blas_threads_settable()


def forward(ctx, x, weight, bias):
    """y = x Wᵀ + b on one BLAS thread, or None (the reference runs) for large products."""
    if not _small(x, weight):
        return None
    with parallel.single_threaded_blas():
        y = x @ weight.T
    if bias is not None:
        y += bias
    ctx.save_for_backward(x, weight)
    return y


def backward(ctx, grad):
    """dL/dx = G W, dL/dW = Gᵀ x, dL/db = Σ G, as the reference, on one BLAS thread."""
    x, weight = ctx.saved_tensors
    need_x, need_w = ctx.needs_input_grad[:2]
    need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
    grad_2d = grad.reshape(-1, grad.shape[-1])
    with parallel.single_threaded_blas():
        grad_x = grad @ weight if need_x else None
        grad_w = grad_2d.T @ x.reshape(-1, x.shape[-1]) if need_w else None
    grad_b = grad_2d.sum(axis=0) if need_b else None
    return grad_x, grad_w, grad_b
