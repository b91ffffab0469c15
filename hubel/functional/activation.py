"""Activation functions: the non-linearity after each neuron's weighted sum.

Without them a stack of layers is one linear map, however deep (see the lab's linear-collapse).
"""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._util import normalize_dims


class ReLU(Function):
    """y = max(0, x);  dy/dx = 1 if x > 0 else 0.

    NOTE: at exactly x = 0 the derivative is taken as 0, as PyTorch does.
    """

    @staticmethod
    def forward(ctx, x):
        y = kernels.forward(ctx, "relu", x)
        if y is None:
            y = get_array_module(x).maximum(x, 0)
            ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        (y,) = ctx.saved_tensors
        return grad * (y > 0)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x;  dy/dx = 1 if x > 0 else slope."""

    @staticmethod
    def forward(ctx, x, slope=0.01):
        xp = get_array_module(x)
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.slope = slope
        return xp.where(positive, x, x * slope)

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved_tensors
        return get_array_module(grad).where(positive, grad, grad * ctx.slope)


class Sigmoid(Function):
    """y = 1 / (1 + e**-x);  dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        # NOTE: e**-x overflows for very negative x; with e = e**-|x| both branches are safe.
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Tanh(Function):
    """y = tanh(x);  dy/dx = 1 - y**2."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function, elementwise, to full double precision (NumPy has none built in)."""
    xp = get_array_module(x)
    if xp is not np:
        import cupyx.scipy.special  # type: ignore[import-not-found]

        return cupyx.scipy.special.erf(x)
    return _erf(x).astype(x.dtype)


class GELU(Function):
    """y = x Φ(x) with Φ the standard normal CDF;  dy/dx = Φ(x) + x φ(x).

    ``approximate="tanh"``: Φ(x) ≈ (1 + tanh(√(2/π)(x + 0.044715 x³))) / 2.
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        xp = get_array_module(x)
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            t = xp.tanh(inner)
            ctx.save_for_backward(x, t)
            ctx.approximate = True
            return 0.5 * x * (1 + t)
        cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
        ctx.save_for_backward(x, cdf)
        ctx.approximate = False
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        xp = get_array_module(x)
        if ctx.approximate:
            t = saved
            dinner = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner)
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return grad * (saved + x * pdf)


class Softmax(Function):
    """y_k = e**x_k / sum_j e**x_j;  dL/dx = y * (g - sum_j g_j y_j)."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        xp = get_array_module(x)
        # NOTE: subtracting the max changes nothing mathematically and keeps e**x finite.
        e = xp.exp(x - x.max(axis=axis, keepdims=True))
        y = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(axis=ctx.axis, keepdims=True))


def log_softmax_array(x, axis: int = -1):
    """x_k - max - log sum_j e**(x_j - max) on a raw array (shared with the fused losses)."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    """y_k = x_k - log sum_j e**x_j;  dL/dx = g - softmax(x) * sum_j g_j."""

    @staticmethod
    def forward(ctx, x, axis=-1):
        y = log_softmax_array(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        xp = get_array_module(y)
        return grad - xp.exp(y) * grad.sum(axis=ctx.axis, keepdims=True)


# ------------------------------------------------------------------------ public functions
def _check_float(name: str, x) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point tensor, got dtype {x.dtype}")


def relu(x: Tensor) -> Tensor:
    """max(0, x) elementwise."""
    _check_float("relu", x)
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    _check_float("leaky_relu", x)
    return LeakyReLU.apply(x, float(negative_slope))


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e**-x), computed without overflow."""
    _check_float("sigmoid", x)
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent: zero-centred, in (-1, 1)."""
    _check_float("tanh", x)
    return Tanh.apply(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x) (``approximate="tanh"`` for the tanh approximation), as PyTorch."""
    _check_float("gelu", x)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Probabilities along ``dim``: e**x_k / sum_j e**x_j."""
    _check_float("softmax", x)
    (axis,) = normalize_dims(dim, x.ndim)
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) computed stably as x - max - log(sum(e**(x - max)))."""
    _check_float("log_softmax", x)
    (axis,) = normalize_dims(dim, x.ndim)
    return LogSoftmax.apply(x, axis)
