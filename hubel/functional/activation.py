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
from ._util import normalize_dim, per_value_cost


class ReLU(Function):
    """y = max(0, x);  dy/dx = 1 if x > 0 else 0.

    NOTE: at exactly x = 0 the derivative is taken as 0, as PyTorch does. The backward is
    PyTorch's select, "0 where y <= 0, else the upstream gradient", not a product with a
    mask: a NaN input passes its gradient on (NaN <= 0 is false), and an infinite gradient
    where y <= 0 gives 0, not inf·0 = NaN.
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
        return get_array_module(y).where(y <= 0, 0, grad)


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
    axis = normalize_dim(dim, x.ndim)
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) computed stably as x - max - log(sum(e**(x - max)))."""
    _check_float("log_softmax", x)
    axis = normalize_dim(dim, x.ndim)
    return LogSoftmax.apply(x, axis)


# ------------------------------------------------------------------ more activations
def _sigmoid_array(x):
    """σ(x) = 1 / (1 + e**-x) on a raw array, without overflow for large |x|."""
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softplus_array(x):
    """log(1 + e**x) on a raw array, as max(x, 0) + log1p(e**-|x|): never overflows."""
    xp = get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class Hardtanh(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 for lo < x < hi, else 0 (0 at both edges, as
    PyTorch). ``relu6`` is Hardtanh(0, 6). Backward as PyTorch's select: the gradient where
    lo < x < hi, else 0 (a NaN input gets 0, and an infinite gradient outside gives 0, not
    inf·0 = NaN)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = (x > ctx.lo) & (x < ctx.hi)
        return get_array_module(x).where(inside, grad, 0), None, None


class SiLU(Function):
    """y = x σ(x) (also called swish);  dy/dx = σ(x) (1 + x (1 - σ(x)))."""

    cost = per_value_cost(3)

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid_array(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


class Hardsigmoid(Function):
    """y = relu6(x + 3) / 6, a piecewise-linear σ;  dy/dx = 1/6 for -3 < x < 3, else 0
    (selected, as PyTorch: an infinite gradient outside gives 0, and NaN gives 0)."""

    cost = per_value_cost(2)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return get_array_module(x).where((x > -3) & (x < 3), grad / 6, 0)


class Hardswish(Function):
    """y = x relu6(x + 3) / 6 (MobileNetV3);  dy/dx = 0 for x <= -3, x/3 + 1/2 for
    -3 < x < 3, 1 for x >= 3 (PyTorch's choice at the edges; selected, as PyTorch: an
    infinite gradient where x <= -3 gives 0, and a NaN input takes the middle piece: NaN)."""

    cost = per_value_cost(3)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * get_array_module(x).clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        return xp.where(x <= -3, 0, xp.where(x >= 3, grad, grad * (x / 3 + 0.5)))


class ELU(Function):
    """y = x for x > 0, α (e**x - 1) otherwise;  dy/dx = 1 for x > 0, else α e**x (= y + α,
    but that sum cancels to a few digits where y ≈ -α: float32 at x = -10 kept 3)."""

    cost = per_value_cost(2)

    @staticmethod
    def forward(ctx, x, alpha):
        xp = get_array_module(x)
        y = xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        return xp.where(x > 0, grad, grad * (ctx.alpha * xp.exp(xp.minimum(x, 0)))), None


class Softplus(Function):
    """y = log(1 + e**(βx)) / β, and y = x where βx > threshold (as PyTorch);
    dy/dx = σ(βx) (1 above the threshold)."""

    cost = per_value_cost(3)

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp = get_array_module(x)
        scaled = x * beta
        linear = scaled > threshold
        ctx.save_for_backward(scaled, linear)
        return xp.where(linear, x, softplus_array(scaled) / beta)

    @staticmethod
    def backward(ctx, grad):
        scaled, linear = ctx.saved_tensors
        xp = get_array_module(grad)
        return xp.where(linear, grad, grad * _sigmoid_array(scaled)), None, None


class Mish(Function):
    """y = x tanh(softplus(x));  dy/dx = tanh(sp) + x σ(x) (1 - tanh(sp)**2), sp = softplus(x)."""

    cost = per_value_cost(5)

    @staticmethod
    def forward(ctx, x):
        t = get_array_module(x).tanh(softplus_array(x))
        ctx.save_for_backward(x, t)
        return x * t

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        return grad * (t + x * _sigmoid_array(x) * (1 - t * t))


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val] (gradient 0 outside and at the edges)."""
    _check_float("hardtanh", x)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh.apply(x, float(min_val), float(max_val))


def relu6(x: Tensor) -> Tensor:
    """min(max(0, x), 6) (MobileNet v1/v2)."""
    _check_float("relu6", x)
    return Hardtanh.apply(x, 0.0, 6.0)


def silu(x: Tensor) -> Tensor:
    """x σ(x) (swish)."""
    _check_float("silu", x)
    return SiLU.apply(x)


def hardsigmoid(x: Tensor) -> Tensor:
    """relu6(x + 3) / 6."""
    _check_float("hardsigmoid", x)
    return Hardsigmoid.apply(x)


def hardswish(x: Tensor) -> Tensor:
    """x relu6(x + 3) / 6 (MobileNetV3)."""
    _check_float("hardswish", x)
    return Hardswish.apply(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e**x - 1) otherwise."""
    _check_float("elu", x)
    return ELU.apply(x, float(alpha))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e**(beta x)) / beta, a smooth ReLU; linear where beta x > threshold."""
    _check_float("softplus", x)
    if beta <= 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta}")
    return Softplus.apply(x, float(beta), float(threshold))


def mish(x: Tensor) -> Tensor:
    """x tanh(softplus(x))."""
    _check_float("mish", x)
    return Mish.apply(x)


class LogSigmoid(Function):
    """y = log σ(x) = -softplus(-x), computed without overflow;  dy/dx = 1 - σ(x) = σ(-x)."""

    cost = per_value_cost(3)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -softplus_array(-x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _sigmoid_array(-x)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def logsigmoid(x: Tensor) -> Tensor:
    """log(1 / (1 + e**-x)), stable for large |x|."""
    _check_float("logsigmoid", x)
    return LogSigmoid.apply(x)


def selu(x: Tensor) -> Tensor:
    """scale · elu(x, alpha) with the self-normalising constants (alpha ≈ 1.6733, scale ≈
    1.0507) of Klambauer et al. 2017."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha (e**(x/alpha) - 1)) = alpha · elu(x / alpha)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    return elu(x / alpha) * alpha


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    _check_float("softsign", x)
    return x / (x.abs() + 1)
