"""Reductions: sum, mean, var/std, max/min. A reduction's backward spreads the gradient back over
the axes it collapsed."""

from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..errors import DtypeError
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims, per_value_cost, pick_axis

# What max(dim), min(dim), sort and topk return, as torch.return_types: (values, indices).
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand(grad, axes, keepdims, shape):
    """Put the collapsed axes back (size 1) and broadcast to ``shape``."""
    xp = get_array_module(grad)
    if not keepdims and axes is not None:
        grad = xp.expand_dims(grad, axes)
    return xp.broadcast_to(grad, shape)


def _count(shape, axes) -> int:
    n = 1
    for i, size in enumerate(shape):
        if axes is None or i in axes:
            n *= size
    return n


class Sum(Function):
    """y = sum_i x_i;  dy/dx_i = 1."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _expand(grad, ctx.axes, ctx.keepdims, ctx.shape)


class Mean(Function):
    """y = (1/n) sum_i x_i;  dy/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        ctx.count = _count(x.shape, axes)
        return x.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _expand(grad / ctx.count, ctx.axes, ctx.keepdims, ctx.shape)


class Var(Function):
    """y = sum_i (x_i - m)**2 / (n - correction);  dy/dx_i = 2 (x_i - m) / (n - correction).

    (The m's own dependence on x drops out because sum_i (x_i - m) = 0.)

    NOTE: with n - correction <= 0 there is no estimate: the result and its gradient are NaN
    (with a warning, as PyTorch), never a division error.
    """

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False, correction=1):
        centered = x - x.mean(axis=axes, keepdims=True)
        denominator = _count(x.shape, axes) - correction
        if denominator <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0 (n - correction = "
                f"{denominator}); the result is nan",
                UserWarning,
                stacklevel=4,
            )
        ctx.scale = 1 / denominator if denominator > 0 else np.nan
        ctx.save_for_backward(centered)
        ctx.axes, ctx.keepdims = axes, keepdims
        return (centered * centered).sum(axis=axes, keepdims=keepdims) * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        (centered,) = ctx.saved_tensors
        grad = _expand(grad, ctx.axes, ctx.keepdims, centered.shape)
        return grad * centered * (2 * ctx.scale)


class Amax(Function):
    """y = max_i x_i;  the gradient is shared evenly among the tied maxima (as torch.amax)."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False, largest=True):
        y = x.max(axis=axes, keepdims=True) if largest else x.min(axis=axes, keepdims=True)
        ctx.save_for_backward(x == y)
        ctx.axes, ctx.keepdims = axes, keepdims
        return y if keepdims else y.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (winners,) = ctx.saved_tensors
        grad = _expand(grad, ctx.axes, ctx.keepdims, winners.shape)
        share = winners / winners.sum(axis=ctx.axes, keepdims=True)
        return grad * share.astype(grad.dtype, copy=False)


class MaxAlongDim(Function):
    """values = x.max(dim);  the gradient goes to the element at the returned index."""

    @staticmethod
    def forward(ctx, x, indices, axis, keepdims):
        xp = get_array_module(x)
        values = xp.take_along_axis(x, xp.expand_dims(indices, axis), axis)
        ctx.shape, ctx.axis, ctx.indices = x.shape, axis, indices
        return values if keepdims else values.squeeze(axis)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        index = xp.expand_dims(ctx.indices, ctx.axis)
        values = grad if grad.ndim == out.ndim else xp.expand_dims(grad, ctx.axis)
        xp.put_along_axis(out, index, values, ctx.axis)
        return out


class LogSumExp(Function):
    """y = log sum_i e**x_i, computed as m + log sum_i e**(x_i - m) with m = max x (no
    overflow);  dy/dx_i = e**(x_i - y) = softmax(x)_i."""

    cost = per_value_cost(3, of="input")

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        xp = get_array_module(x)
        peak = x.max(axis=axes, keepdims=True)
        peak = xp.where(xp.isfinite(peak), peak, xp.zeros((), x.dtype))  # all -inf: no shift
        y = xp.log(xp.exp(x - peak).sum(axis=axes, keepdims=True)) + peak
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdims = axes, keepdims
        return y if keepdims else y.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad = _expand(grad, ctx.axes, ctx.keepdims, x.shape)
        return grad * get_array_module(x).exp(x - y)


class Prod(Function):
    """y = prod_i x_i along one axis;  dy/dx_i = prod_{j != i} x_j, taken as the product of
    the x before i and the x after i (exact where some x are 0, unlike y / x_i)."""

    cost = per_value_cost(1, of="input")

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        ctx.save_for_backward(x)
        ctx.axis, ctx.keepdims = axis, keepdims
        return x.prod(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        moved = xp.moveaxis(x, ctx.axis, -1)
        ones = xp.ones(moved.shape[:-1] + (1,), dtype=x.dtype)
        before = xp.cumprod(xp.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
        after = xp.flip(
            xp.cumprod(xp.concatenate([ones, xp.flip(moved, -1)[..., :-1]], axis=-1), axis=-1),
            -1,
        )
        others = xp.moveaxis(before * after, -1, ctx.axis)
        return _expand(grad, (ctx.axis,), ctx.keepdims, x.shape) * others


class CumSum(Function):
    """y_i = sum_{j <= i} x_j along ``axis``;  dL/dx_j = sum_{i >= j} g_i (a reversed
    cumulative sum of the gradient)."""

    cost = per_value_cost(1, of="input")

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return get_array_module(x).cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        return xp.flip(xp.cumsum(xp.flip(grad, ctx.axis), axis=ctx.axis), ctx.axis)


class Norm(Function):
    """y = (sum_i |x_i|**p)**(1/p) over ``axes`` (p = inf: max |x_i|);
    dy/dx_i = sign(x_i) |x_i|**(p-1) / y**(p-1) (p = 2: x_i / y), and 0 where y = 0 (as
    PyTorch: the zero vector's norm gets a zero gradient, not 0/0)."""

    cost = per_value_cost(2, of="input")

    @staticmethod
    def forward(ctx, x, p, axes, keepdims):
        xp = get_array_module(x)
        magnitude = xp.abs(x)
        if p == np.inf:
            y = magnitude.max(axis=axes, keepdims=True)
        elif p == 1:
            y = magnitude.sum(axis=axes, keepdims=True)
        else:
            y = (magnitude**p).sum(axis=axes, keepdims=True) ** (1 / p)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.axes, ctx.keepdims = p, axes, keepdims
        return y if keepdims else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        xp = get_array_module(x)
        grad = _expand(grad, ctx.axes, ctx.keepdims, x.shape)
        safe = xp.where(y == 0, xp.ones((), y.dtype), y)
        if ctx.p == np.inf:
            winners = xp.abs(x) == y
            local = xp.sign(x) * winners / winners.sum(axis=ctx.axes, keepdims=True)
        elif ctx.p == 1:
            local = xp.sign(x)
        else:
            local = xp.sign(x) * xp.abs(x) ** (ctx.p - 1) / safe ** (ctx.p - 1)
        return grad * xp.where(y == 0, xp.zeros((), x.dtype), local).astype(grad.dtype)


def _reduced_shape(shape, axes) -> tuple:
    return tuple(n for i, n in enumerate(shape) if axes is not None and i not in axes)


# ------------------------------------------------------------------------ public functions
def sum(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all)."""
    dim, keepdim = pick_axis(dim, axis, keepdim, keepdims)
    return Sum.apply(x, normalize_dims(dim, x.ndim), keepdim)


def mean(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """Mean over ``dim`` (an int, a tuple, or None for all)."""
    dim, keepdim = pick_axis(dim, axis, keepdim, keepdims)
    if x.dtype.kind != "f":
        raise DtypeError(f"mean: expected a floating tensor, got dtype {x.dtype}")
    return Mean.apply(x, normalize_dims(dim, x.ndim), keepdim)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return int(correction)
    return 1 if unbiased is None or unbiased else 0


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Variance over ``dim``; unbiased (divide by n - 1) by default, as PyTorch."""
    dim, keepdim = pick_axis(dim, axis, keepdim, keepdims)
    return Var.apply(x, normalize_dims(dim, x.ndim), keepdim, _correction(unbiased, correction))


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Standard deviation: sqrt of ``var`` with the same arguments."""
    return var(
        x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
    ).sqrt()


def amax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    """Largest value over ``dim`` (ties share the gradient)."""
    return Amax.apply(x, normalize_dims(dim, x.ndim), bool(keepdim), True)


def amin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    """Smallest value over ``dim`` (ties share the gradient)."""
    return Amax.apply(x, normalize_dims(dim, x.ndim), bool(keepdim), False)


def _extreme(x, dim, keepdim, largest):
    if dim is None:
        return Amax.apply(x, None, False, largest)
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:  # one element: it is the extreme, at index 0
        return ValuesIndices(Amax.apply(x, (), False, largest), Tensor(np.zeros((), np.int64)))
    xp = get_array_module(x.data)
    indices = (xp.argmax if largest else xp.argmin)(x.data, axis=axis)
    values = MaxAlongDim.apply(x, indices, axis, keepdim)
    if keepdim:
        indices = xp.expand_dims(indices, axis)
    return ValuesIndices(values, Tensor(indices.astype("int64", copy=False)))


def max(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """``x.max()`` is the largest value; ``x.max(dim)`` is ``(values, indices)`` along ``dim``,
    as in PyTorch (the gradient goes to the returned index)."""
    dim, keepdim = pick_axis(dim, axis, keepdim, keepdims)
    return _extreme(x, dim, keepdim, True)


def min(x: Tensor, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """``x.min()`` is the smallest value; ``x.min(dim)`` is ``(values, indices)``."""
    dim, keepdim = pick_axis(dim, axis, keepdim, keepdims)
    return _extreme(x, dim, keepdim, False)


def _arg_extreme(x: Tensor, dim, keepdim, name: str) -> Tensor:
    xp = get_array_module(x.data)
    find = getattr(xp, name)
    if dim is None or x.ndim == 0:
        normalize_dims(dim, x.ndim)
        return Tensor(xp.asarray(find(x.data), dtype="int64"))
    axis = normalize_dim(dim, x.ndim)
    return Tensor(find(x.data, axis=axis, keepdims=keepdim).astype("int64", copy=False))


def argmax(x: Tensor, dim=None, keepdim=False) -> Tensor:
    """Index of the largest value (over the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(x, dim, keepdim, "argmax")


def argmin(x: Tensor, dim=None, keepdim=False) -> Tensor:
    """Index of the smallest value (over the flattened tensor when ``dim`` is None)."""
    return _arg_extreme(x, dim, keepdim, "argmin")


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow (as ``torch.logsumexp``)."""
    if x.dtype.kind != "f":
        raise DtypeError(f"logsumexp: expected a floating tensor, got dtype {x.dtype}")
    return LogSumExp.apply(x, normalize_dims(dim, x.ndim, "logsumexp"), bool(keepdim))


def prod(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The product of all elements, or along one ``dim``; integers give int64 (as PyTorch)."""
    if dim is None:
        return Prod.apply(x.reshape(-1), 0, False) if x.ndim else x
    axis = normalize_dim(dim, x.ndim, "prod")
    return Prod.apply(x, axis, bool(keepdim)) if x.ndim else x


def cumsum(x: Tensor, dim: int) -> Tensor:
    """Running sums along ``dim``: y_i = x_0 + ... + x_i (integers give int64)."""
    axis = normalize_dim(dim, x.ndim, "cumsum")
    return CumSum.apply(x, axis) if x.ndim else x


def norm(x: Tensor, p=2, dim=None, keepdim: bool = False) -> Tensor:
    """The p-norm (sum |x|**p)**(1/p) over ``dim`` (all axes by default): p = 2 is the length,
    p = 1 the sum of magnitudes, p = inf the largest magnitude ("fro" is p = 2), as
    ``torch.norm``; the zero vector's gradient is 0."""
    if x.dtype.kind != "f":
        raise DtypeError(f"norm: expected a floating tensor, got dtype {x.dtype}")
    p = 2 if p == "fro" else p
    if isinstance(p, str) or p <= 0:
        raise ValueError(f"norm: p must be a positive number, inf or 'fro', got {p!r}")
    return Norm.apply(x, float(p), normalize_dims(dim, x.ndim, "norm"), bool(keepdim))
