"""Batch normalisation, fused: one op for the forward and a closed-form backward.

Training: normalise each channel with the batch's own mean and (biased) variance, then scale by
gamma and shift by beta; update the running averages (with the unbiased variance, as PyTorch).
Inference: use the running averages instead, so the output does not depend on the batch.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor


def _channel_shape(x) -> tuple:
    """(1, C, 1, 1, ...): a per-channel vector shaped to broadcast against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


class BatchNormTrain(Function):
    """x̂ = (x - μ_B) / sqrt(σ²_B + ε),  y = γ x̂ + β, with μ_B, σ²_B over every axis but C.

    With M values per channel and g = dL/dy:
      dL/dβ = Σ g,   dL/dγ = Σ g x̂,
      dL/dx = γ / sqrt(σ²_B + ε) · (g - Σg / M - x̂ · Σ(g x̂) / M)
    (the last two terms are the batch statistics' own dependence on x).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, mean, var, eps, axes):
        xp = get_array_module(x)
        shape = _channel_shape(x)
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        shift = -mean * scale if bias is None else bias - mean * scale
        y = x * scale.reshape(shape) + shift.reshape(shape)
        ctx.save_for_backward(x, weight, mean, inv_std)
        ctx.axes = axes
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, inv_std = ctx.saved_tensors
        shape, axes = _channel_shape(x), ctx.axes
        m = x.size // x.shape[1]
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        sum_g = grad.sum(axis=axes)
        sum_g_xhat = (grad * x_hat).sum(axis=axes)
        gamma = 1 if weight is None else weight
        a = gamma * inv_std
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = (grad - x_hat * (sum_g_xhat / m).reshape(shape)) * a.reshape(shape)
            grad_x -= (a * sum_g / m).reshape(shape)
        return grad_x, sum_g_xhat, sum_g, None, None


class BatchNormEval(Function):
    """y = γ (x - running_mean) / sqrt(running_var + ε) + β: a fixed per-channel scale and
    shift, so dL/dx = g · γ / sqrt(running_var + ε)."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, var, eps):
        xp = get_array_module(x)
        shape = _channel_shape(x)
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        shift = -mean * scale if bias is None else bias - mean * scale
        ctx.save_for_backward(x, mean, inv_std, scale)
        return x * scale.reshape(shape) + shift.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        x, mean, inv_std, scale = ctx.saved_tensors
        shape = _channel_shape(x)
        axes = (0,) + tuple(range(2, x.ndim))
        grad_x = grad * scale.reshape(shape) if ctx.needs_input_grad[0] else None
        grad_w = None
        if ctx.needs_input_grad[1]:
            grad_w = (grad * ((x - mean.reshape(shape)) * inv_std.reshape(shape))).sum(axis=axes)
        grad_b = grad.sum(axis=axes) if ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over the channel axis 1 of (N, C) or (N, C, H, W, ...) input.

    In training (or without running statistics) it uses the batch statistics and, when running
    statistics are given, updates them in place:
    running = (1 - momentum) * running + momentum * batch (momentum=None: cumulative average is
    the caller's job; pass the factor as ``momentum``). The running variance uses the unbiased
    batch variance (divide by M - 1), the normalisation the biased one, exactly as PyTorch.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (channels,):
            raise ValueError(
                f"batch_norm: expected {name} of shape ({channels},) for input {input.shape} "
                f"(C = {channels}), got {t.shape}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if training or running_mean is None:
        axes = (0,) + tuple(range(2, input.ndim))
        m = input.data.size // channels
        if training and m <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"{input.shape}; use a batch of at least 2 or call model.eval()"
            )
        x = input.data
        mean = x.mean(axis=axes)
        centered = x - mean.reshape(_channel_shape(x))
        var = (centered * centered).mean(axis=axes)
        if training and running_mean is not None:
            factor = 0.1 if momentum is None else momentum
            running_mean.data *= 1 - factor
            running_mean.data += factor * mean.astype(running_mean.dtype, copy=False)
            running_var.data *= 1 - factor
            running_var.data += (factor * m / (m - 1)) * var.astype(running_var.dtype, copy=False)
        return BatchNormTrain.apply(input, weight, bias, mean, var, eps, axes)
    return BatchNormEval.apply(input, weight, bias, running_mean.data, running_var.data, eps)
