"""Elementwise arithmetic and matrix products, each derivative beside its forward.

Broadcasting is free here: a backward returns its gradient in the output's shape and the engine
sums it back to each input's shape (``autograd.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._util import operand


class Add(Function):
    """y = a + b;  dy/da = 1, dy/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dy/da = 1, dy/db = -1."""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a * b;  dy/da = b, dy/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """y = a / b;  dy/da = 1/b, dy/db = -a/b**2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b if need_a else None
        grad_b = -grad * a / (b * b) if need_b else None
        return grad_a, grad_b


class Neg(Function):
    """y = -x;  dy/dx = -1."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """y = a ** b;  dy/da = b * a**(b-1),  dy/db = a**b * log(a)."""

    @staticmethod
    def forward(ctx, a, b):
        y = a**b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = grad * y * get_array_module(a).log(a) if need_b else None
        return grad_a, grad_b


class MatMul(Function):
    """Y = A @ B (batched over leading axes);  dL/dA = G @ B^T,  dL/dB = A^T @ G."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad @ b.swapaxes(-1, -2) if need_a else None
        grad_b = a.swapaxes(-1, -2) @ grad if need_b else None
        return grad_a, grad_b


class Exp(Function):
    """y = e**x;  dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x;  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1 / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * get_array_module(x).sign(x)


class Clamp(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi (boundaries included), else 0."""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        mask = True
        if ctx.lo is not None:
            mask = mask & (x >= ctx.lo)
        if ctx.hi is not None:
            mask = mask & (x <= ctx.hi)
        return grad * mask


class Maximum(Function):
    """y = max(a, b) elementwise;  the gradient goes to the larger input, split evenly on ties
    (as PyTorch)."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        return grad * share_a, grad * (1 - share_a)


class Minimum(Function):
    """y = min(a, b) elementwise;  the gradient goes to the smaller input, split on ties."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share_a = (a < b) + 0.5 * (a == b)
        return grad * share_a, grad * (1 - share_a)


class Where(Function):
    """y = a where cond else b;  the gradient flows to whichever input was picked."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return get_array_module(a, b).where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        xp = get_array_module(grad)
        need_a, need_b = ctx.needs_input_grad[1:]
        zero = xp.zeros((), dtype=grad.dtype)
        return (
            None,
            xp.where(cond, grad, zero) if need_a else None,
            xp.where(cond, zero, grad) if need_b else None,
        )


class Cast(Function):
    """y = x converted to another dtype;  the gradient is converted back."""

    @staticmethod
    def forward(ctx, x, dtype, copy=False):
        ctx.dtype = x.dtype
        return x.astype(dtype, copy=copy)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype) if ctx.dtype.kind == "f" else None


# ------------------------------------------------------------------------ public functions
def _binary(fn, a, b):
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:
        raise TypeError(
            f"{fn.__name__.lower()}: expected at least one Tensor, got {type(a).__name__} and "
            f"{type(b).__name__}"
        )
    return fn.apply(operand(a, like), operand(b, like))


def add(a, b) -> Tensor:
    """a + b with broadcasting."""
    return _binary(Add, a, b)


def sub(a, b) -> Tensor:
    """a - b with broadcasting."""
    return _binary(Sub, a, b)


def mul(a, b) -> Tensor:
    """a * b elementwise with broadcasting."""
    return _binary(Mul, a, b)


def div(a, b) -> Tensor:
    """a / b elementwise with broadcasting."""
    return _binary(Div, a, b)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b elementwise; either may be a number."""
    return _binary(Pow, a, b)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are promoted to rows/columns and the
    added axis is dropped again; leading axes broadcast as batch axes."""
    like = a if isinstance(a, Tensor) else b
    a, b = operand(a, like), operand(b, like)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise ValueError(
            f"matmul: inner dimensions must agree: A is {a.shape}, B is {b.shape} "
            f"({a.shape[-1]} != {b.shape[0 if b.ndim == 1 else -2]})"
        )
    if a.ndim == 1 and b.ndim == 1:
        return MatMul.apply(a.reshape(1, -1), b.reshape(-1, 1)).reshape(())
    if a.ndim == 1:
        return MatMul.apply(a.reshape(1, -1), b).squeeze(-2)
    if b.ndim == 1:
        return MatMul.apply(a, b.reshape(-1, 1)).squeeze(-1)
    return MatMul.apply(a, b)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Limit x to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min= and max= must be given, got neither")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clamp: expected min <= max, got min={min}, max={max}")
    return Clamp.apply(x, min, max)


clip = clamp


def maximum(a, b) -> Tensor:
    """Elementwise maximum of two tensors (ties share the gradient equally)."""
    return _binary(Maximum, a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of two tensors (ties share the gradient equally)."""
    return _binary(Minimum, a, b)


def where(condition, a, b) -> Tensor:
    """Pick a where condition holds, else b (broadcasting all three)."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: expected a boolean condition, got dtype {cond.dtype}")
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:
        a = Tensor(np.asarray(a))
        like = a
    return Where.apply(cond, operand(a, like), operand(b, like))


def cast(x: Tensor, dtype, copy: bool = False) -> Tensor:
    """x converted to ``dtype``; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype and not copy:
        return x
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor(x.data.astype(dtype, copy=copy))
    return Cast.apply(x, dtype, copy)
