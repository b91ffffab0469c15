"""Comparisons and logic: ``==``, ``<``, ``isclose``, ``any``, ``logical_and``, ...

They answer yes or no, so their results are bool tensors and carry no gradient (a step has
derivative 0 almost everywhere and none at the step).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, result_type
from ..tensor import Tensor
from ._util import normalize_dims, operand
from .arithmetic import broadcast_error


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _elementwise(name: str, op, a, b) -> Tensor:
    """``op`` on the raw operands after PyTorch's promotion, as a tensor without a graph."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    a, b = _raw(operand(a, like)), _raw(operand(b, like))
    error = broadcast_error(name, a, b)
    if error is not None:
        raise error
    dtype = result_type(a, b)
    if getattr(a, "dtype", dtype) != dtype:
        a = a.astype(dtype)
    if getattr(b, "dtype", dtype) != dtype:
        b = b.astype(dtype)
    return Tensor(get_array_module(a, b).asarray(op(a, b)))


def eq(a, b) -> Tensor:
    """a == b elementwise (a bool tensor)."""
    return _elementwise("eq", np.equal, a, b)


def ne(a, b) -> Tensor:
    """a != b elementwise."""
    return _elementwise("ne", np.not_equal, a, b)


def lt(a, b) -> Tensor:
    """a < b elementwise."""
    return _elementwise("lt", np.less, a, b)


def le(a, b) -> Tensor:
    """a <= b elementwise."""
    return _elementwise("le", np.less_equal, a, b)


def gt(a, b) -> Tensor:
    """a > b elementwise."""
    return _elementwise("gt", np.greater, a, b)


def ge(a, b) -> Tensor:
    """a >= b elementwise."""
    return _elementwise("ge", np.greater_equal, a, b)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(a, b) -> Tensor:
    """a and b elementwise (nonzero counts as true); ``&`` on tensors."""
    return _elementwise("logical_and", np.logical_and, a, b)


def logical_or(a, b) -> Tensor:
    """a or b elementwise; ``|`` on tensors."""
    return _elementwise("logical_or", np.logical_or, a, b)


def logical_xor(a, b) -> Tensor:
    """a xor b elementwise; ``^`` on tensors."""
    return _elementwise("logical_xor", np.logical_xor, a, b)


def logical_not(x: Tensor) -> Tensor:
    """not x elementwise; ``~`` on a bool tensor."""
    return Tensor(get_array_module(x.data).logical_not(x.data))


def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol |b| elementwise, as ``torch.isclose``."""
    return _elementwise(
        "isclose", lambda x, y: np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b
    )


def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element is ``isclose`` (a Python bool)."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both have the same shape and the same values."""
    return a.shape == b.shape and bool((_raw(a) == _raw(b)).all())


def _test(x: Tensor, dim, keepdim, reduce) -> Tensor:
    axes = normalize_dims(dim, x.ndim)
    return Tensor(get_array_module(x.data).asarray(reduce(x.data, axis=axes, keepdims=keepdim)))


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether any element (along ``dim``) is nonzero: a bool tensor."""
    return _test(x, dim, keepdim, np.any)


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether every element (along ``dim``) is nonzero: a bool tensor."""
    return _test(x, dim, keepdim, np.all)


def isnan(x: Tensor) -> Tensor:
    """Where x is NaN (a bool tensor)."""
    return Tensor(get_array_module(x.data).isnan(x.data))


def isinf(x: Tensor) -> Tensor:
    """Where x is +inf or -inf."""
    return Tensor(get_array_module(x.data).isinf(x.data))


def isfinite(x: Tensor) -> Tensor:
    """Where x is neither NaN nor ±inf."""
    return Tensor(get_array_module(x.data).isfinite(x.data))
