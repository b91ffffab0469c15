"""Elementwise arithmetic and matrix products, each derivative beside its forward.

Broadcasting is free here: a backward returns its gradient in the output's shape and the engine
sums it back to each input's shape (``autograd.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import float_result_type, get_array_module, result_type
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import operand, per_value_cost


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


class FloorDivide(Function):
    """y = floor(a / b);  a step function: dy/da = dy/db = 0 (as PyTorch)."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, a, b):
        return get_array_module(a, b).floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        return xp.zeros_like(grad), xp.zeros_like(grad)


class TruncDivide(Function):
    """y = trunc(a / b) (round toward zero);  dy/da = dy/db = 0."""

    cost = per_value_cost(1)

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        quotient = xp.true_divide(a, b)
        truncated = xp.trunc(quotient)
        dtype = xp.result_type(a, b)
        return truncated if dtype.kind == "f" else truncated.astype(dtype)

    backward = FloorDivide.backward


class Remainder(Function):
    """y = a - floor(a / b) * b;  dy/da = 1, dy/db = -floor(a / b)."""

    cost = per_value_cost(2)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_b = ctx.needs_input_grad[1]
        return grad, (-grad * get_array_module(grad).floor_divide(a, b) if need_b else None)


class Fmod(Function):
    """y = a - trunc(a / b) * b;  dy/da = 1, dy/db = -trunc(a / b)."""

    cost = per_value_cost(2)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = get_array_module(grad)
        need_b = ctx.needs_input_grad[1]
        return grad, (-grad * xp.trunc(a / b) if need_b else None)


class Pow(Function):
    """y = a ** b;  dy/da = b * a**(b-1),  dy/db = a**b * log(a).

    NOTE: at a = 0 the formulas give 0 * inf: dy/da is taken as 0 where b = 0 (a**0 is the
    constant 1) and dy/db as 0 where a = 0 and b >= 0 (0**b is constant there), as PyTorch.
    """

    @staticmethod
    def forward(ctx, a, b):
        y = a**b
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b, y = ctx.saved_tensors
        xp = get_array_module(a, b)
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                local = b * a ** (b - 1)
                grad_a = grad * xp.where(b == 0, xp.zeros((), local.dtype), local)
            if need_b:
                local = y * xp.log(a)
                grad_b = grad * xp.where((a == 0) & (b >= 0), xp.zeros((), local.dtype), local)
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
    """y = |x|;  dy/dx = sign(x) (0 at x = 0 and for NaN, as PyTorch's sgn)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        return grad * xp.where(xp.isnan(x), 0, xp.sign(x))


class Clamp(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi (boundaries included), else 0,
    selected as PyTorch does (an infinite gradient outside gives 0, not inf·0 = NaN; NaN
    inputs get 0)."""

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
        return get_array_module(x).where(mask, grad, 0)


class Maximum(Function):
    """y = max(a, b) elementwise;  the gradient goes to the larger input, split evenly on ties
    (as PyTorch). Selected as PyTorch does: a input gets 0 where a < b, half where a == b,
    else all of it, so a NaN on either side gives both inputs the whole gradient, and an
    infinite gradient is never multiplied by 0."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = get_array_module(a, b)
        whole = xp.where(a == b, grad / 2, grad)
        return xp.where(a < b, 0, whole), xp.where(a > b, 0, whole)


class Minimum(Function):
    """y = min(a, b) elementwise;  the gradient goes to the smaller input, split on ties
    (selected as in ``Maximum``, the comparisons the other way round)."""

    @staticmethod
    def forward(ctx, a, b):
        xp = get_array_module(a, b)
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = get_array_module(a, b)
        whole = xp.where(a == b, grad / 2, grad)
        return xp.where(a > b, 0, whole), xp.where(a < b, 0, whole)


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
def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def promote(x, dtype, like: Tensor):
    """``x`` as an operand of ``dtype``: a tensor is cast (keeping its graph), a Python number
    stays a number (NumPy's weak scalars then keep ``dtype``)."""
    x = operand(x, like)
    if isinstance(x, Tensor) and x.dtype != dtype:
        return cast(x, dtype)
    return x


def broadcast_error(name: str, *operands) -> ShapeError | None:
    """The error PyTorch raises when ``operands`` (tensors, arrays, numbers or shapes) do not
    broadcast, or None when they do."""
    shapes = [x if isinstance(x, tuple) else getattr(_raw(x), "shape", ()) for x in operands]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return ShapeError(
            f"{name}: the shapes {' and '.join(str(tuple(s)) for s in shapes)} do not broadcast "
            f"(each dimension, aligned from the right, must be equal or 1)"
        )
    return None


def _binary(fn, a, b, floating: bool = False):
    """Apply the binary Function ``fn`` after PyTorch's type promotion (``floating``: integer
    results become the default float, as for ``/``)."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    name = fn.__name__.lower()
    if like is None:
        raise TypeError(
            f"{name}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}"
        )
    a, b = operand(a, like), operand(b, like)
    dtype = (float_result_type if floating else result_type)(_raw(a), _raw(b))
    a, b = promote(a, dtype, like), promote(b, dtype, like)
    try:
        return fn.apply(a, b)
    except ValueError:
        error = broadcast_error(name, a, b)
        if error is None:
            raise
        raise error from None


def add(a, b, *, alpha=1) -> Tensor:
    """a + alpha * b with broadcasting."""
    return _binary(Add, a, b if alpha == 1 else b * alpha)


def sub(a, b, *, alpha=1) -> Tensor:
    """a - alpha * b with broadcasting."""
    return _binary(Sub, a, b if alpha == 1 else b * alpha)


def mul(a, b) -> Tensor:
    """a * b elementwise with broadcasting."""
    return _binary(Mul, a, b)


def div(a, b, *, rounding_mode: str | None = None) -> Tensor:
    """a / b elementwise with broadcasting; integers divide to the default float dtype.

    ``rounding_mode="trunc"`` rounds toward zero, ``"floor"`` down (then integers stay
    integers); both have zero gradient, as in PyTorch.
    """
    if rounding_mode is None:
        return _binary(Div, a, b, floating=True)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    return _binary(FloorDivide if rounding_mode == "floor" else TruncDivide, a, b)


true_divide = divide = div


def floor_divide(a, b) -> Tensor:
    """floor(a / b) elementwise (Python's ``//``); zero gradient."""
    return _binary(FloorDivide, a, b)


def remainder(a, b) -> Tensor:
    """a - floor(a / b) * b (Python's ``%``: the sign of the divisor)."""
    return _binary(Remainder, a, b)


def fmod(a, b) -> Tensor:
    """a - trunc(a / b) * b (C's fmod: the sign of the dividend)."""
    return _binary(Fmod, a, b)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b elementwise; either may be a number."""
    return _binary(Pow, a, b)


def neg(x: Tensor) -> Tensor:
    """-x."""
    return Neg.apply(x)


negative = neg


def _matrix_shapes_error(name: str, a: Tensor, b: Tensor) -> ShapeError:
    return ShapeError(
        f"{name}: inner dimensions must agree: A is {a.shape}, B is {b.shape} "
        f"({a.shape[-1]} != {b.shape[0 if b.ndim == 1 else -2]})"
    )


def matmul(a, b) -> Tensor:
    """Matrix product with PyTorch's (and NumPy's) rules: 1-D operands are promoted to
    rows/columns and the added axis is dropped again; leading axes broadcast as batch axes."""
    like = a if isinstance(a, Tensor) else b
    a, b = operand(a, like), operand(b, like)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise _matrix_shapes_error("matmul", a, b)
    dtype = result_type(a.data, b.data)
    a, b = promote(a, dtype, like), promote(b, dtype, like)
    if a.ndim == 1 and b.ndim == 1:
        return MatMul.apply(a.reshape(1, -1), b.reshape(-1, 1)).reshape(())
    if a.ndim == 1:
        return MatMul.apply(a.reshape(1, -1), b).squeeze(-2)
    if b.ndim == 1:
        return MatMul.apply(a, b.reshape(-1, 1)).squeeze(-1)
    error = broadcast_error("matmul (batch dimensions)", a.shape[:-2], b.shape[:-2])
    if error is not None:
        raise error
    return MatMul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices (n, m) @ (m, p) -> (n, p); no broadcasting."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.ndim != 2 or b.ndim != 2:
        raise ShapeError(
            f"mm: expected two 2-D tensors, got shapes {getattr(a, 'shape', type(a).__name__)} "
            f"and {getattr(b, 'shape', type(b).__name__)}"
        )
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product (B, n, m) @ (B, m, p) -> (B, n, p); no broadcasting."""
    if (
        not isinstance(a, Tensor)
        or not isinstance(b, Tensor)
        or a.ndim != 3
        or b.ndim != 3
        or a.shape[0] != b.shape[0]
    ):
        raise ShapeError(
            f"bmm: expected two 3-D tensors with the same batch size, got shapes "
            f"{getattr(a, 'shape', type(a).__name__)} and {getattr(b, 'shape', type(b).__name__)}"
        )
    return matmul(a, b)


def floating(x: Tensor) -> Tensor:
    """x itself if it is floating, else x converted to the default float dtype: the input of a
    floating function (exp, sqrt, sin, ...) applied to integers, as PyTorch."""
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor, got {type(x).__name__}")
    return x if x.dtype.kind == "f" else cast(x, float_result_type(x.data))


def exp(x: Tensor) -> Tensor:
    """e**x elementwise."""
    return Exp.apply(floating(x))


def log(x: Tensor) -> Tensor:
    """The natural logarithm elementwise."""
    return Log.apply(floating(x))


def sqrt(x: Tensor) -> Tensor:
    """The square root elementwise."""
    return Sqrt.apply(floating(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """|x| elementwise (gradient sign(x), 0 at 0)."""
    return Abs.apply(x)


absolute = abs


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Limit x to [min, max] (either bound may be None, a number or a tensor that broadcasts
    with x); a float bound makes an integer tensor float, as PyTorch."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min= and max= must be given, got neither")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # Tensor bounds get gradients too: where x < min the output is min (its gradient goes
        # to min), where it then exceeds max it is max; elsewhere x passes (torch's rule).
        y = x if min is None else where(x < min, min, x)
        return y if max is None else where(y > max, max, y)
    dtype = result_type(x.data, *(v for v in (min, max) if v is not None))
    return Clamp.apply(promote(x, dtype, x), min, max)


clip = clamp


def clamp_min(x: Tensor, min) -> Tensor:  # noqa: A002 - PyTorch's name
    """max(x, min) elementwise."""
    return clamp(x, min=min)


def clamp_max(x: Tensor, max) -> Tensor:  # noqa: A002 - PyTorch's name
    """min(x, max) elementwise."""
    return clamp(x, max=max)


def maximum(a, b) -> Tensor:
    """Elementwise maximum of two tensors (ties share the gradient equally)."""
    return _binary(Maximum, a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of two tensors (ties share the gradient equally)."""
    return _binary(Minimum, a, b)


def where(condition, a=None, b=None):
    """Pick a where condition holds, else b (broadcasting all three; PyTorch's promotion).

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``: the indices per axis.
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: expected a boolean condition, got dtype {cond.dtype}")
    if a is None and b is None:
        return tuple(Tensor(i.astype(np.int64)) for i in get_array_module(cond).nonzero(cond))
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:  # two numbers: the tensor of the first takes their promoted dtype
        a = like = Tensor(np.asarray(a, dtype=result_type(a, b)))
    a, b = operand(a, like), operand(b, like)
    dtype = result_type(_raw(a), _raw(b))
    a, b = promote(a, dtype, like), promote(b, dtype, like)
    error = broadcast_error("where", cond, a, b)
    if error is not None:
        raise error
    return Where.apply(cond, a, b)


def cast(x: Tensor, dtype, copy: bool = False) -> Tensor:
    """x converted to ``dtype``; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype and not copy:
        return x
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor(x.data.astype(dtype, copy=copy))
    return Cast.apply(x, dtype, copy)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """sum_i a_i b_i of two 1-D tensors of the same length (``torch.dot``)."""
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ShapeError(f"dot: expected two 1-D tensors of one length, got {a.shape}, {b.shape}")
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """The matrix a_i b_j of two 1-D tensors (``torch.outer``)."""
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"outer: expected two 1-D tensors, got {a.shape} and {b.shape}")
    return mul(a.reshape(-1, 1), b.reshape(1, -1))
