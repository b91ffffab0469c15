"""Normalisation over the features of each sample (not over the batch, as batch norm does):
layer norm (transformers) and group norm (detection, small batches)."""

from __future__ import annotations

import numbers

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import per_value_cost


class Standardize(Function):
    """x̂ = (x - μ) / sqrt(σ² + ε) over ``axes`` (μ, σ² the mean and biased variance there).

    With n values per group and g the upstream gradient:
        dL/dx = (g - mean(g) - x̂ mean(g x̂)) / sqrt(σ² + ε)
    (the textbook batch-norm backward, taken over the group instead of the batch).
    """

    cost = per_value_cost(5)

    @staticmethod
    def forward(ctx, x, axes, eps):
        xp = get_array_module(x)
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        inv_std = 1 / xp.sqrt((centered * centered).mean(axis=axes, keepdims=True) + eps)
        x_hat = centered * inv_std
        ctx.save_for_backward(x_hat, inv_std)
        ctx.axes = axes
        return x_hat

    @staticmethod
    def backward(ctx, grad):
        x_hat, inv_std = ctx.saved_tensors
        axes = ctx.axes
        mean_grad = grad.mean(axis=axes, keepdims=True)
        mean_grad_x_hat = (grad * x_hat).mean(axis=axes, keepdims=True)
        return (grad - mean_grad - x_hat * mean_grad_x_hat) * inv_std


def _affine(x_hat: Tensor, weight, bias) -> Tensor:
    if weight is not None:
        x_hat = x_hat * weight
    if bias is not None:
        x_hat = x_hat + bias
    return x_hat


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """y = (x - μ) / sqrt(σ² + ε) · weight + bias, with μ, σ² over the last
    ``len(normalized_shape)`` axes of each sample, as ``torch.nn.functional.layer_norm``.

    input: (*, *normalized_shape); weight and bias: ``normalized_shape`` (or None).
    """
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError("layer_norm: input must be a floating-point Tensor")
    shape = (
        (normalized_shape,)
        if isinstance(normalized_shape, numbers.Integral)
        else tuple(normalized_shape)
    )
    k = len(shape)
    if k == 0 or input.shape[input.ndim - k :] != shape or input.ndim < k:
        raise ShapeError(
            f"layer_norm: expected input with shape (*, {', '.join(map(str, shape))}), got "
            f"{input.shape}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise ShapeError(f"layer_norm: {name} must have shape {shape}, got {tuple(p.shape)}")
    axes = tuple(range(input.ndim - k, input.ndim))
    return _affine(Standardize.apply(input, axes, float(eps)), weight, bias)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Split the C channels of (N, C, *) input into ``num_groups`` groups and standardise each
    group of each sample over its channels and positions; then · weight + bias per channel (C,),
    as ``torch.nn.functional.group_norm``."""
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError("group_norm: input must be a floating-point Tensor")
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected input of shape (N, C, *), got {input.shape}")
    n, c = input.shape[:2]
    if not isinstance(num_groups, numbers.Integral) or num_groups < 1 or c % num_groups:
        raise ShapeError(
            f"group_norm: expected num_groups to divide the {c} channels, got {num_groups}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != (c,):
            raise ShapeError(f"group_norm: {name} must have shape ({c},), got {tuple(p.shape)}")
    grouped = input.reshape(n, num_groups, -1)
    x_hat = Standardize.apply(grouped, (2,), float(eps)).reshape(input.shape)
    per_channel = (c,) + (1,) * (input.ndim - 2)
    return _affine(
        x_hat,
        None if weight is None else weight.reshape(per_channel),
        None if bias is None else bias.reshape(per_channel),
    )


def instance_norm(input: Tensor, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Standardise every channel of every sample of (N, C, *) input over its positions, then
    · weight + bias per channel (C,): ``group_norm`` with one group per channel, as
    ``torch.nn.functional.instance_norm`` with batch statistics."""
    if not isinstance(input, Tensor) or input.ndim < 3:
        raise ShapeError(
            f"instance_norm: expected input of shape (N, C, *) with positions, got "
            f"{getattr(input, 'shape', type(input).__name__)}"
        )
    return group_norm(input, input.shape[1], weight, bias, eps)
