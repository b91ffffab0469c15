"""Ops that move values around without changing them: reshape, permute, indexing, cat, stack.
Their backward moves the gradient back to where each value came from."""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ._util import normalize_dims


class Reshape(Function):
    """y = x viewed with another shape;  the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


class Permute(Function):
    """y = x with its axes reordered;  the gradient takes the inverse order."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(np.argsort(ctx.axes))


class Expand(Function):
    """y = x broadcast to a larger shape;  the engine sums the gradient back (unbroadcast)."""

    @staticmethod
    def forward(ctx, x, shape):
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_basic(index) -> bool:
    """True for slices, ints, None and Ellipsis only: then x[index] picks each element once."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, slice | numbers.Integral) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    """y = x[index];  dL/dx is zero except at the picked places, where it is the upstream
    gradient, summed where an integer-array index picks the same element more than once."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            # NOTE: out[index] += grad would keep only one of repeated indices; add.at sums them.
            xp.add.at(out, ctx.index, grad)
        return out


class Cat(Function):
    """y = [x_1, x_2, ...] joined along ``axis``;  each input gets its slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return get_array_module(*arrays).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return tuple(get_array_module(grad).split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """y = x_1, x_2, ... stacked along a new ``axis``;  each input gets its slice back."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return get_array_module(*arrays).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        return tuple(xp.moveaxis(grad, ctx.axis, 0))


# ------------------------------------------------------------------------ public functions
def _shape_from(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """x with a new shape of the same number of elements (one entry may be -1)."""
    shape = _shape_from(shape)
    known = int(np.prod([n for n in shape if n != -1]))
    size = x.data.size
    if shape.count(-1) > 1 or (
        -1 not in shape and known != size or (-1 in shape and (known == 0 or size % known != 0))
    ):
        raise ValueError(
            f"reshape: cannot view a tensor of shape {x.shape} ({size} elements) as {shape}"
        )
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


view = reshape


def permute(x: Tensor, *dims) -> Tensor:
    """x with its axes in the order ``dims`` (a permutation of 0..ndim-1)."""
    dims = _shape_from(dims)
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: expected a permutation of {x.ndim} axes, got {dims}")
    return Permute.apply(x, tuple(d % x.ndim for d in dims))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """x with axes ``dim0`` and ``dim1`` swapped."""
    (a,), (b,) = normalize_dims(dim0, x.ndim), normalize_dims(dim1, x.ndim)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, tuple(axes))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim``..``end_dim`` (inclusive) into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    (start,), (end,) = normalize_dims(start_dim, x.ndim), normalize_dims(end_dim, x.ndim)
    if start > end:
        raise ValueError(
            f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})"
        )
    shape = x.shape[:start] + (-1,) + x.shape[end + 1 :]
    if 0 in x.shape:
        shape = x.shape[:start] + (int(np.prod(x.shape[start : end + 1])),) + x.shape[end + 1 :]
    return reshape(x, shape)


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Drop axes of size 1 (all of them, or only ``dim`` if it has size 1, as PyTorch)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim)
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert an axis of size 1 at ``dim`` (``dim`` may be -1 for the end)."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise ValueError(f"unsqueeze: expected dim in [{-x.ndim - 1}, {x.ndim}], got {dim}")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x: Tensor, *shape) -> Tensor:
    """x broadcast to ``shape`` (-1 keeps a size), without copying."""
    shape = _shape_from(shape)
    offset = len(shape) - x.ndim
    shape = tuple(x.shape[i - offset] if n == -1 else n for i, n in enumerate(shape))
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"expand: cannot broadcast shape {x.shape} to {shape}") from None
    return Expand.apply(x, shape)


def _index_arrays(index):
    """Turn tensors inside an index into arrays; check integer/bool dtypes."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        if isinstance(item, list):
            item = np.asarray(item)
        if hasattr(item, "dtype") and item.dtype.kind not in "iub":
            raise TypeError(
                f"index: tensors used as indices must be integer or bool, got dtype {item.dtype}"
            )
        out.append(item)
    return tuple(out) if isinstance(index, tuple) else out[0]


def getitem(x: Tensor, index) -> Tensor:
    """x[index] with slices, ints, None, Ellipsis, integer arrays and boolean masks."""
    index = _index_arrays(index)
    try:
        x.data[index]
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor shape {x.shape})") from None
    return GetItem.apply(x, index)


def _check_join(name, tensors, dim, same_shape):
    tensors = list(tensors)
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{name}: expected a non-empty sequence of Tensors")
    ndim = tensors[0].ndim + (1 if same_shape else 0)
    (axis,) = normalize_dims(dim, ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        rest = t.shape if same_shape else t.shape[:axis] + t.shape[axis + 1 :]
        want = first if same_shape else first[:axis] + first[axis + 1 :]
        if t.ndim != tensors[0].ndim or rest != want:
            raise ValueError(
                f"{name}: tensor {i} has shape {t.shape}, incompatible with tensor 0's {first} "
                + ("(all shapes must match)" if same_shape else f"(all but dim {dim} must match)")
            )
    return tensors, axis


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing axis (e.g. Inception's branches along channels)."""
    tensors, axis = _check_join("cat", tensors, dim, same_shape=False)
    return Cat.apply(*tensors, axis=axis)


concatenate = cat


def stack(tensors, dim: int = 0) -> Tensor:
    """Stack equally shaped tensors along a new axis."""
    tensors, axis = _check_join("stack", tensors, dim, same_shape=True)
    return Stack.apply(*tensors, axis=axis)
