"""Elementwise math beyond the four operations: trigonometry, logs and powers, rounding.

Each op is y = f(x) with its derivative f'(x) beside it. Integer inputs are turned into the
default float dtype first (``floating``), as in PyTorch: sin of an int64 tensor is float32.
"""

from __future__ import annotations

import math

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._util import per_value_cost
from .activation import erf as _erf_array
from .arithmetic import floating


class Sin(Function):
    """y = sin x;  dy/dx = cos x."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x).cos(x)


class Cos(Function):
    """y = cos x;  dy/dx = -sin x."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * get_array_module(x).sin(x)


class Tan(Function):
    """y = tan x;  dy/dx = 1 + y**2."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class Asin(Function):
    """y = arcsin x;  dy/dx = 1 / sqrt(1 - x**2)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / get_array_module(x).sqrt(1 - x * x)


class Acos(Function):
    """y = arccos x;  dy/dx = -1 / sqrt(1 - x**2)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / get_array_module(x).sqrt(1 - x * x)


class Atan(Function):
    """y = arctan x;  dy/dx = 1 / (1 + x**2)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


class Sinh(Function):
    """y = sinh x;  dy/dx = cosh x."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x).cosh(x)


class Cosh(Function):
    """y = cosh x;  dy/dx = sinh x."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x).sinh(x)


class Erf(Function):
    """y = erf x = (2/√π) ∫_0^x e**(-t²) dt;  dy/dx = (2/√π) e**(-x²)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * get_array_module(x).exp(-x * x)


class Rsqrt(Function):
    """y = 1 / sqrt(x);  dy/dx = -y**3 / 2."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        y = 1 / get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (-0.5 * y * y * y)


class Reciprocal(Function):
    """y = 1 / x;  dy/dx = -y**2."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * y * y


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


class Log1p(Function):
    """y = ln(1 + x), accurate for small x;  dy/dx = 1 / (1 + x)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x)


class Expm1(Function):
    """y = e**x - 1, accurate for small x;  dy/dx = y + 1."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


class Log2(Function):
    """y = log2 x;  dy/dx = 1 / (x ln 2)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(Function):
    """y = log10 x;  dy/dx = 1 / (x ln 10)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10))


class Step(Function):
    """A piecewise-constant y = f(x) (sign, floor, ceil, round, trunc): dy/dx = 0 wherever it
    exists, and PyTorch takes 0 at the jumps too. Subclasses name the array function."""

    cost = per_value_cost(1)

    array_function = ""

    @classmethod
    def forward(cls, ctx, x):
        return getattr(get_array_module(x), cls.array_function)(x)

    @staticmethod
    def backward(ctx, grad):
        return get_array_module(grad).zeros_like(grad)


class Sign(Step):
    """y = -1, 0 or 1 by the sign of x;  dy/dx = 0."""

    array_function = "sign"


class Floor(Step):
    """y = the largest integer <= x;  dy/dx = 0."""

    array_function = "floor"


class Ceil(Step):
    """y = the smallest integer >= x;  dy/dx = 0."""

    array_function = "ceil"


class Round(Step):
    """y = x rounded to the nearest integer, halves to even (as PyTorch);  dy/dx = 0."""

    array_function = "round"


class Trunc(Step):
    """y = x rounded toward zero;  dy/dx = 0."""

    array_function = "trunc"


# ------------------------------------------------------------------------ public functions
def _float_op(fn, doc: str):
    def op(x: Tensor) -> Tensor:
        return fn.apply(floating(x))

    op.__name__ = fn.__name__.lower()
    op.__doc__ = doc
    return op


def _integer_preserving(fn, doc: str):
    """Rounding an integer changes nothing: integer tensors come back as they are."""

    def op(x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{fn.__name__.lower()}: expected a Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f" and fn is not Sign:
            return x
        return fn.apply(x)

    op.__name__ = fn.__name__.lower()
    op.__doc__ = doc
    return op


sin = _float_op(Sin, "sin x elementwise (radians).")
cos = _float_op(Cos, "cos x elementwise (radians).")
tan = _float_op(Tan, "tan x elementwise (radians).")
asin = arcsin = _float_op(Asin, "arcsin x elementwise, in [-π/2, π/2].")
acos = arccos = _float_op(Acos, "arccos x elementwise, in [0, π].")
atan = arctan = _float_op(Atan, "arctan x elementwise, in (-π/2, π/2).")
sinh = _float_op(Sinh, "sinh x elementwise.")
cosh = _float_op(Cosh, "cosh x elementwise.")
erf = _float_op(Erf, "The error function erf x elementwise (as torch.erf).")
rsqrt = _float_op(Rsqrt, "1 / sqrt(x) elementwise.")
reciprocal = _float_op(Reciprocal, "1 / x elementwise.")
log1p = _float_op(Log1p, "ln(1 + x) elementwise, accurate near 0.")
expm1 = _float_op(Expm1, "e**x - 1 elementwise, accurate near 0.")
log2 = _float_op(Log2, "log2 x elementwise.")
log10 = _float_op(Log10, "log10 x elementwise.")
sign = _integer_preserving(Sign, "-1, 0 or 1 by the sign of x (gradient 0).")
floor = _integer_preserving(Floor, "The largest integer <= x, elementwise (gradient 0).")
ceil = _integer_preserving(Ceil, "The smallest integer >= x, elementwise (gradient 0).")
round = _integer_preserving(Round, "x rounded to the nearest integer, halves to even.")  # noqa: A001
trunc = _integer_preserving(Trunc, "x rounded toward zero (gradient 0).")


def square(x: Tensor) -> Tensor:
    """x**2 elementwise (integers stay integers)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"square: expected a Tensor, got {type(x).__name__}")
    return Square.apply(x)


# The names attached as Tensor methods (``x.sin()``) and exported as ``hb.sin``.
ELEMENTWISE = (
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "erf",
    "rsqrt",
    "reciprocal",
    "square",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
)
