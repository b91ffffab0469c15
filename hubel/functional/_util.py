"""Small helpers shared by the op families: argument normalisation and operand conversion."""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import DimError
from ..tensor import Tensor


def operand(x, like: Tensor | None = None):
    """Turn a non-tensor operand into something ``Function.apply`` takes without promoting.

    Python numbers stay Python numbers (NumPy's weak scalars keep a float32 tensor float32); NumPy
    scalars become Python numbers for the same reason; arrays and lists become tensors of the
    other operand's dtype when they are floating.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, bool | numbers.Number):
        return x.item() if isinstance(x, np.generic) else x
    array = np.asarray(x)
    if like is not None and array.dtype.kind == "f" and like.dtype.kind == "f":
        array = array.astype(like.dtype, copy=False)
    return Tensor(array)


def normalize_dims(dim, ndim: int, name: str = "dim"):
    """``None`` → None (all axes); an int or ints → a sorted tuple of axes in range.

    A 0-d tensor accepts dim 0 and -1 (as PyTorch) and has no axes to reduce: ``()``.
    """
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in dims:
        if not isinstance(d, numbers.Integral):
            raise TypeError(f"{name}: expected integers, got {dim!r}")
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise DimError(
                f"{name}: expected an axis in [{-max(ndim, 1)}, {max(ndim, 1) - 1}] for a "
                f"{ndim}-d tensor, got {dim}"
            )
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: axes must be distinct, got {dim}")
    return tuple(sorted(out)) if ndim else ()


def normalize_dim(dim, ndim: int, name: str = "dim") -> int:
    """One axis in range (negative counts from the end) as a non-negative int."""
    axes = normalize_dims(dim, max(ndim, 1), name)
    if len(axes) != 1:
        raise TypeError(f"{name}: expected one integer, got {dim!r}")
    return axes[0]


def pick_axis(dim, axis, keepdim, keepdims):
    """Accept PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims`` (not both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("give either dim= or axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def per_value_cost(ops: int, of: str = "output"):
    """A Function's ``cost`` for ``hb.summary``: ``ops`` operations per value of the output
    (or of the first input, for reductions), no multiply-adds. ``ops = 0``: the op only moves
    values (indexing, flips, padding)."""

    def cost(inputs, output, options) -> tuple[int, int]:
        values = output if of == "output" else inputs[0]
        return 0, ops * values.numel()

    return staticmethod(cost)
