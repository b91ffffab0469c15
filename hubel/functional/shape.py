"""Ops that move values around without changing them: reshape, permute, indexing, cat, stack.
Their backward moves the gradient back to where each value came from."""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor, shape_argument
from ._util import normalize_dim, normalize_dims, per_value_cost


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


class GetItem(Function):
    """y = x[index];  dL/dx is zero except at the picked places, where it is the upstream
    gradient, summed where an integer-array index picks the same element more than once.

    ``index`` is a pair (basic, advanced): ``x[basic][advanced]`` (see ``torch_index``).
    """

    @staticmethod
    def forward(ctx, x, index):
        basic, advanced = index
        ctx.shape, ctx.index = x.shape, index
        picked = x[basic]
        ctx.picked_shape = picked.shape
        return picked if advanced is None else picked[advanced]

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        basic, advanced = ctx.index
        if advanced is not None:
            picked = xp.zeros(ctx.picked_shape, dtype=grad.dtype)
            # NOTE: picked[index] += grad would keep only one of repeated indices; add.at sums.
            xp.add.at(picked, advanced, grad)
            grad = picked
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        out[basic] = grad
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
def reshape(x: Tensor, *shape) -> Tensor:
    """x with a new shape of the same number of elements (one entry may be -1)."""
    shape = shape_argument(shape, "reshape", allow_unknown=True)
    known = int(np.prod([n for n in shape if n != -1]))
    size = x.data.size
    if shape.count(-1) > 1 or (
        -1 not in shape and known != size or (-1 in shape and (known == 0 or size % known != 0))
    ):
        raise ShapeError(
            f"reshape: cannot view a tensor of shape {x.shape} ({size} elements) as {shape}"
        )
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


view = reshape


def permute(x: Tensor, *dims) -> Tensor:
    """x with its axes in the order ``dims`` (a permutation of 0..ndim-1)."""
    dims = shape_argument(dims, "permute", allow_unknown=True) if dims else ()
    if len(dims) != x.ndim:
        raise ShapeError(f"permute: expected a permutation of {x.ndim} axes, got {dims}")
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims) if x.ndim else ()
    if sorted(axes) != list(range(x.ndim)):
        raise ShapeError(f"permute: expected a permutation of {x.ndim} axes, got {dims}")
    return Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """x with axes ``dim0`` and ``dim1`` swapped."""
    a, b = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, tuple(axes))


swapaxes = swapdims = transpose


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim``..``end_dim`` (inclusive) into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = normalize_dim(start_dim, x.ndim), normalize_dim(end_dim, x.ndim)
    if start > end:
        raise ShapeError(
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
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def expand(x: Tensor, *shape) -> Tensor:
    """x broadcast to ``shape`` (-1 keeps a size), without copying."""
    shape = shape_argument(shape, "expand", allow_unknown=True)
    offset = len(shape) - x.ndim
    shape = tuple(x.shape[i - offset] if n == -1 else n for i, n in enumerate(shape))
    fits = all(n == 1 or n == m for n, m in zip(x.shape, shape[offset:]))
    if offset < 0 or not fits:
        raise ShapeError(f"expand: cannot broadcast shape {x.shape} to {shape}")
    return Expand.apply(x, shape)


def _index_items(index) -> tuple:
    """The index as a tuple, with tensors and lists turned into arrays (integer or bool)."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        if isinstance(item, list):
            item = np.asarray(item)
        if hasattr(item, "dtype"):
            if item.dtype.kind not in "iub":
                raise IndexError(
                    f"index: tensors used as indices must be long, int or bool, got dtype "
                    f"{item.dtype}"
                )
            if item.ndim == 0 and item.dtype.kind in "iu":
                item = int(item)  # a 0-d integer tensor selects, as a Python int does
        out.append(item)
    return tuple(out)


def torch_index(index) -> tuple:
    """Split an index into (basic, advanced) so that ``x[basic][advanced]`` follows PyTorch.

    PyTorch applies integers as selections first, then the index arrays; NumPy counts an
    integer next to an array as one more array, which moves the result's axes when a slice
    separates them: x[0, :, [1, 2]] on (3, 4, 5) is (4, 2) in PyTorch and (2, 4) in NumPy.
    Doing the integers (with the slices) first and the arrays second gives PyTorch's rule.
    """
    items = _index_items(index)
    arrays = [hasattr(i, "dtype") for i in items]
    if not any(arrays):
        return items, None
    if not any(isinstance(i, numbers.Integral) for i in items):
        return (), items
    basic, advanced = [], []
    for item, is_array in zip(items, arrays):
        if is_array:  # a boolean mask spans as many axes as it has dimensions
            basic.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            advanced.append(item)
        elif isinstance(item, numbers.Integral):
            basic.append(item)
        else:  # slices, None and Ellipsis keep (or make) an axis in the selection
            basic.append(item)
            advanced.append(item if item is Ellipsis else slice(None))
    return tuple(basic), tuple(advanced)


def getitem(x: Tensor, index) -> Tensor:
    """x[index] with slices, ints, None, Ellipsis, integer arrays and boolean masks, with
    PyTorch's placement of the result's axes."""
    index = torch_index(index)
    try:
        return GetItem.apply(x, index)
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor shape {x.shape})") from None


def _check_join(name, tensors, dim, same_shape):
    tensors = list(tensors)
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{name}: expected a non-empty sequence of Tensors")
    ndim = tensors[0].ndim + (1 if same_shape else 0)
    axis = normalize_dim(dim, ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        rest = t.shape if same_shape else t.shape[:axis] + t.shape[axis + 1 :]
        want = first if same_shape else first[:axis] + first[axis + 1 :]
        if t.ndim != tensors[0].ndim or rest != want:
            raise ShapeError(
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


class Flip(Function):
    """y = x reversed along ``axes``;  the gradient is reversed back."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return get_array_module(x).flip(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return get_array_module(grad).flip(grad, ctx.axes)


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes``;  the gradient is shifted back."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return get_array_module(x).roll(x, shifts, axes)

    @staticmethod
    def backward(ctx, grad):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return get_array_module(grad).roll(grad, back, ctx.axes)


class Tile(Function):
    """y = x repeated ``reps`` times along each axis (x's shape padded with leading 1s);
    dL/dx sums the gradient over the copies."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, reps):
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        ctx.shape, ctx.x_shape, ctx.reps = shape, x.shape, reps
        return get_array_module(x).tile(x.reshape(shape), reps)

    @staticmethod
    def backward(ctx, grad):
        # Split every axis into (copy, original) and sum over the copies.
        split = tuple(n for r, size in zip(ctx.reps, ctx.shape) for n in (r, size))
        copies = tuple(range(0, 2 * len(ctx.reps), 2))
        return grad.reshape(split).sum(axis=copies).reshape(ctx.x_shape)


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix; a 0-d or 1-D tensor comes back as it is (as ``torch.t``)."""
    if x.ndim > 2:
        raise ShapeError(f"t: expected a tensor with at most 2 dimensions, got shape {x.shape}")
    return x if x.ndim < 2 else transpose(x, 0, 1)


def flip(x: Tensor, dims) -> Tensor:
    """x reversed along ``dims`` (an int or a tuple)."""
    axes = normalize_dims(dims, x.ndim, "flip")
    return Flip.apply(x, axes)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """x shifted cyclically: an element at i moves to i + shift (mod the axis' length); with
    ``dims`` None the flattened tensor is rolled and the shape restored, as ``torch.roll``."""
    if dims is None:
        return Roll.apply(x.flatten(), int(shifts), 0).reshape(x.shape) if x.ndim else x
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(normalize_dim(d, x.ndim, "roll") for d in dims)
    return Roll.apply(x, tuple(int(s) for s in shifts), axes)


def tile(x: Tensor, *dims) -> Tensor:
    """x repeated ``dims[i]`` times along axis i; fewer dims than axes repeat the last ones
    (as ``torch.tile``)."""
    reps = shape_argument(dims, "tile")
    reps = (1,) * (x.ndim - len(reps)) + reps
    return Tile.apply(x, reps)


def repeat(x: Tensor, *sizes) -> Tensor:
    """``Tensor.repeat``: x repeated ``sizes[i]`` times along axis i; needs at least as many
    sizes as x has axes (extra ones add leading axes). NumPy's ``repeat`` is
    ``repeat_interleave``."""
    reps = shape_argument(sizes, "repeat")
    if len(reps) < x.ndim:
        raise ShapeError(
            f"repeat: number of repeat dims ({len(reps)}) can not be smaller than number of "
            f"dimensions of tensor ({x.ndim})"
        )
    return Tile.apply(x, reps)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """x[..., start:start + length, ...] along ``dim`` (a view, as ``torch.narrow``)."""
    axis = normalize_dim(dim, x.ndim, "narrow")
    size = x.shape[axis]
    start = start + size if start < 0 else start
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension {axis} of size {size}"
        )
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of x along ``dim``: of ``split_size`` each (the last may be shorter), or of the
    listed sizes, as ``torch.split``; each piece is a view."""
    axis = normalize_dim(dim, x.ndim, "split")
    size = x.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sections = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sections = [int(n) for n in split_size_or_sections]
        if sum(sections) != size or any(n < 0 for n in sections):
            raise ShapeError(
                f"split: sections {sections} must add up to dimension {axis} of size {size}"
            )
    starts = np.cumsum([0, *sections[:-1]])
    return tuple(narrow(x, axis, int(s), n) for s, n in zip(starts, sections))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """x split into ``chunks`` pieces of ceil(size / chunks) along ``dim`` (fewer when the
    size runs out), as ``torch.chunk``."""
    if not isinstance(chunks, numbers.Integral) or chunks < 1:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    size = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    return split(x, max(-(-size // chunks), 1), dim)


def unbind(x: Tensor, dim: int = 0) -> tuple:
    """The slices of x along ``dim``, that axis removed (``torch.unbind``)."""
    axis = normalize_dim(dim, x.ndim, "unbind")
    return tuple(getitem(x, (slice(None),) * axis + (i,)) for i in range(x.shape[axis]))


def movedim(x: Tensor, source, destination) -> Tensor:
    """x with axes ``source`` moved to positions ``destination`` (the rest keep their order)."""
    source = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    destination = (
        (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    )
    if len(source) != len(destination):
        raise ShapeError(f"movedim: {source} and {destination} must have the same length")
    src = [normalize_dim(d, x.ndim, "movedim") for d in source]
    dst = [normalize_dim(d, x.ndim, "movedim") for d in destination]
    rest = iter(d for d in range(x.ndim) if d not in src)
    order = dict(zip(dst, src))
    return permute(x, *(order[i] if i in order else next(rest) for i in range(x.ndim)))
