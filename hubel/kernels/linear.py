"""The fast fully connected layer: the reference's products (``functional/linear.py``), each
on one BLAS thread when it is small (``parallel.product_threads`` says why)."""

from __future__ import annotations

from . import parallel


def _threads(x, weight):
    """``parallel.product_threads`` for the product x Wᵀ (the backward's have as many MACs)."""
    return parallel.product_threads(x.size // max(1, x.shape[-1]) * weight.size)


def forward(ctx, x, weight, bias):
    """y = x Wᵀ + b; None (the reference runs) for arrays that are not NumPy's."""
    if type(x).__module__ != "numpy" or type(weight).__module__ != "numpy":
        return None
    with _threads(x, weight):
        y = x @ weight.T
    if bias is not None:
        y += bias
    ctx.save_for_backward(x, weight)
    return y


def backward(ctx, grad):
    """dL/dx = G W, dL/dW = Gᵀ x, dL/db = Σ G, as the reference computes them."""
    x, weight = ctx.saved_tensors
    need_x, need_w = ctx.needs_input_grad[:2]
    need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
    grad_2d = grad.reshape(-1, grad.shape[-1])
    with _threads(x, weight):
        grad_x = grad @ weight if need_x else None
        grad_w = grad_2d.T @ x.reshape(-1, x.shape[-1]) if need_w else None
    grad_b = grad_2d.sum(axis=0) if need_b else None
    return grad_x, grad_w, grad_b
