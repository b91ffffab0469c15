"""Small helpers shared by the op families: argument normalisation and operand conversion."""

from __future__ import annotations

import numbers

import numpy as np

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
    """``None`` → None (all axes); an int or ints → a sorted tuple of axes in range."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = []
    for d in dims:
        if not isinstance(d, numbers.Integral) or not -max(ndim, 1) <= d < max(ndim, 1):
            raise ValueError(
                f"{name}: expected an axis in [{-max(ndim, 1)}, {max(ndim, 1) - 1}] for a "
                f"{ndim}-d tensor, got {dim}"
            )
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: axes must be distinct, got {dim}")
    return tuple(sorted(out))


def pick_axis(dim, axis, keepdim, keepdims):
    """Accept PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims`` (not both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("give either dim= or axis=, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)
