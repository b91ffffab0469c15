"""The fully connected layer as one fused op: y = x W^T + b."""

from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..tensor import Tensor


class Linear(Function):
    """y = x W^T + b, x: (..., in), W: (out, in), b: (out,).

    dL/dx = G W,   dL/dW = G^T x,   dL/db = sum of G over every axis but the last.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        y = kernels.forward(ctx, "linear", x, weight, bias)
        if y is not None:  # the fast kernel (small products on one BLAS thread)
            return y
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        grad_2d = grad.reshape(-1, grad.shape[-1])
        grad_x = grad @ weight if need_x else None
        grad_w = grad_2d.T @ x.reshape(-1, x.shape[-1]) if need_w else None
        grad_b = grad_2d.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: in_features per output value, and one bias
        add per output value."""
        return output.numel() * inputs[1].shape[1], output.numel() * (len(inputs) > 2)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias, with input (..., in_features), weight (out, in), bias (out,)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("linear: input and weight must be Tensors")
    if weight.ndim != 2:
        raise ValueError(
            f"linear: weight must be 2-D (out_features, in_features), got {weight.shape}"
        )
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: expected input of shape (..., {weight.shape[1]}) for weight "
            f"{weight.shape}, got {input.shape}"
        )
    if input.dtype != weight.dtype:
        raise TypeError(
            f"linear: input dtype {input.dtype} does not match weight dtype {weight.dtype}; "
            f"convert one (e.g. x.float() or model.double())"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)
