"""Ordering: sort, argsort, topk. The values are gathered from the input at the sorted
positions, so their gradient goes back to where each value came from (``gather``)."""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import normalize_dim
from .indexing import gather
from .reduce import ValuesIndices


def _order(x: Tensor, axis: int, descending: bool):
    """Indices that sort x along ``axis``; ties keep their original order (a stable sort)."""
    xp = get_array_module(x.data)
    if not descending:
        return xp.argsort(x.data, axis=axis, kind="stable").astype(np.int64)
    # Descending and stable, for any dtype (negating would wrap unsigned integers): sort the
    # reversed axis ascending, reverse that order, and map positions back.
    backwards = xp.argsort(xp.flip(x.data, axis), axis=axis, kind="stable")
    return (x.shape[axis] - 1 - xp.flip(backwards, axis)).astype(np.int64)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``x`` along ``dim`` (ties in their original order)."""
    if x.ndim == 0:
        return Tensor(np.zeros((), np.int64))
    return Tensor(_order(x, normalize_dim(dim, x.ndim, "argsort"), descending))


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """``(values, indices)``: ``x`` sorted along ``dim`` and where each value came from, as
    ``torch.sort`` (the sort is always stable here)."""
    if x.ndim == 0:
        return ValuesIndices(x * 1, Tensor(np.zeros((), np.int64)))
    axis = normalize_dim(dim, x.ndim, "sort")
    indices = _order(x, axis, descending)
    return ValuesIndices(gather(x, axis, indices), Tensor(indices))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (or smallest) entries along ``dim``, largest
    first, as ``torch.topk``."""
    axis = normalize_dim(dim, x.ndim, "topk")
    size = x.shape[axis] if x.ndim else 1
    if not isinstance(k, numbers.Integral) or not 0 <= k <= size:
        raise ShapeError(f"topk: k must be in [0, {size}] for dimension {axis}, got {k}")
    if x.ndim == 0:
        return sort(x)
    xp = get_array_module(x.data)
    indices = xp.take(_order(x, axis, largest), xp.arange(k), axis=axis)
    return ValuesIndices(gather(x, axis, indices), Tensor(indices))
