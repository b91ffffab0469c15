"""Ops that pick or place values by index or mask: gather, masked_fill, x[i] = v, one_hot,
tril/triu/diag. The gradient goes back to the places the values came from."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import normalize_dim, operand, per_value_cost
from .arithmetic import Where, cast
from .shape import getitem, torch_index


def _full_index(index, dim: int) -> tuple:
    """The index tuple of ``gather``: ``index`` along ``dim``, the position itself elsewhere."""
    xp = get_array_module(index)
    grids = list(xp.ix_(*(xp.arange(n) for n in index.shape)))
    grids[dim] = index
    return tuple(grids)


class Gather(Function):
    """y[i][j] = x[index[i][j]][j] (dim 0; likewise for any dim);  dL/dx adds each y's
    gradient back at the place it was taken from (summing repeats)."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, index, dim):
        where = _full_index(index, dim)
        ctx.shape, ctx.where = x.shape, where
        return x[where]

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        xp.add.at(out, ctx.where, grad)
        return out, None


class Scatter(Function):
    """y = x with src written (``reduce=None``) or added (``"add"``) at the places ``index``
    names along ``dim`` (the inverse of gather);  dL/dsrc = the gradient gathered from those
    places, dL/dx = the gradient (with zeros where src overwrote x)."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, src, index, dim, add):
        where = _full_index(index, dim)
        y = x.copy()
        source = src[tuple(slice(0, n) for n in index.shape)] if src.ndim else src
        if add:
            get_array_module(x).add.at(y, where, source)
        else:
            y[where] = source
        ctx.where, ctx.add, ctx.src_shape = where, add, getattr(src, "shape", ())
        return y

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = grad.copy()
            if not ctx.add:
                grad_x[ctx.where] = 0
        if ctx.needs_input_grad[1]:
            grad_src = xp.zeros(ctx.src_shape, dtype=grad.dtype)
            grad_src[tuple(slice(0, n) for n in ctx.where[0].shape)] = grad[ctx.where]
        return grad_x, grad_src, None, None, None


class IndexPut(Function):
    """y = x with y[index] = v;  dL/dx = the gradient with zeros at index, dL/dv = the
    gradient at index (summed back over v's broadcasting by the engine)."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, value, index):
        basic, advanced = index
        y = x.copy()
        if advanced is None:
            y[basic] = value
        else:  # y[basic] is a view of y: writing into it writes into y
            y[basic][advanced] = value
        ctx.index = index
        return y

    @staticmethod
    def backward(ctx, grad):
        basic, advanced = ctx.index
        grad_x = grad.copy() if ctx.needs_input_grad[0] else None
        grad_v = None
        if ctx.needs_input_grad[1]:
            grad_v = grad[basic] if advanced is None else grad[basic][advanced]
        if grad_x is not None:
            if advanced is None:
                grad_x[basic] = 0
            else:
                grad_x[basic][advanced] = 0
        return grad_x, grad_v


class Triangle(Function):
    """y = x with the entries above (``tril``) or below (``triu``) the k-th diagonal set to 0;
    the gradient is masked the same way."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, diagonal, lower):
        xp = get_array_module(x)
        rows, cols = x.shape[-2:]
        offset = xp.arange(cols)[None, :] - xp.arange(rows)[:, None]
        keep = offset <= diagonal if lower else offset >= diagonal
        ctx.save_for_backward(keep)
        return xp.where(keep, x, xp.zeros((), x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        return get_array_module(grad).where(keep, grad, 0), None, None


def _diagonal_positions(xp, shape, diagonal):
    """(rows, cols) of the ``diagonal``-th diagonal of a matrix of ``shape``."""
    rows, cols = shape
    length = max(0, min(rows, cols - diagonal) if diagonal >= 0 else min(rows + diagonal, cols))
    steps = xp.arange(length)
    return (steps, steps + diagonal) if diagonal >= 0 else (steps - diagonal, steps)


class Diag(Function):
    """1-D x: the square matrix with x on the k-th diagonal; 2-D x: its k-th diagonal.
    The gradient takes the diagonal back (or puts it onto a zero matrix)."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal, ctx.shape = diagonal, x.shape
        return get_array_module(x).diag(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        if len(ctx.shape) == 1:
            return xp.diagonal(grad, ctx.diagonal).copy(), None
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        out[_diagonal_positions(xp, ctx.shape, ctx.diagonal)] = grad
        return out, None


class Embedding(Function):
    """y[..., :] = W[index[...], :] (a table lookup);  dL/dW adds the gradient of every
    position into the row it looked up (none into ``padding_idx``'s row, as PyTorch)."""

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, weight, index, padding_idx):
        ctx.rows, ctx.index, ctx.padding_idx = weight.shape[0], index, padding_idx
        return weight[index]

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        out = xp.zeros((ctx.rows, grad.shape[-1]), dtype=grad.dtype)
        xp.add.at(out, ctx.index.reshape(-1), grad.reshape(-1, grad.shape[-1]))
        if ctx.padding_idx is not None:
            out[ctx.padding_idx] = 0
        return out, None, None


# ------------------------------------------------------------------------ public functions
def gather(input: Tensor, dim: int, index) -> Tensor:
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (the index replaces the position
    along ``dim``), as ``torch.gather``; ``index`` has input's number of dimensions."""
    index = index.data if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != input.ndim:
        raise ShapeError(
            f"gather: index must have as many dimensions as input ({input.ndim}), got shape "
            f"{index.shape} for input {input.shape}"
        )
    axis = normalize_dim(dim, input.ndim, "gather")
    too_big = [d for d in range(input.ndim) if d != axis and index.shape[d] > input.shape[d]]
    if too_big:
        raise ShapeError(
            f"gather: index {index.shape} may not be larger than input {input.shape} apart "
            f"from dimension {axis}"
        )
    if index.size and (index.min() < -input.shape[axis] or index.max() >= input.shape[axis]):
        raise IndexError(
            f"gather: index out of range for dimension {axis} of size {input.shape[axis]}"
        )
    return Gather.apply(input, index, axis)


def masked_fill(input: Tensor, mask, value) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` is True (mask broadcasts to input's shape);
    the result keeps input's dtype, as ``torch.masked_fill``."""
    cond = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if cond.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {cond.dtype}")
    try:
        cond = get_array_module(cond).broadcast_to(cond, input.shape)
    except ValueError:
        raise ShapeError(
            f"masked_fill: mask of shape {cond.shape} does not broadcast to input {input.shape}"
        ) from None
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError(f"masked_fill: value must be a 0-d tensor, got shape {value.shape}")
        value = cast(value, input.dtype)
    else:
        value = Tensor(np.asarray(value, dtype=input.dtype))
    return Where.apply(cond, value, input)


def index_put(input: Tensor, index, value) -> Tensor:
    """A copy of ``input`` with ``[index]`` set to ``value`` (``x[index] = value`` does this
    in place), with PyTorch's indexing rules; ``value`` is cast to input's dtype."""
    value = operand(value, input)
    if isinstance(value, Tensor):
        value = cast(value, input.dtype)
    index = torch_index(index)
    try:
        return IndexPut.apply(input, value, index=index)
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor shape {input.shape})") from None
    except ValueError as error:
        raise ShapeError(f"index assignment: {error} (tensor shape {input.shape})") from None


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape) → int64 one-hot vectors along a new last axis of length
    ``num_classes`` (max + 1 when -1), as ``torch.nn.functional.one_hot``."""
    labels = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        raise RuntimeError(
            f"one_hot: expected a tensor of class indices (int64), got dtype {labels.dtype}"
        )
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {labels.min()}")
    if num_classes == -1:
        if not labels.size:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty tensor")
        num_classes = int(labels.max()) + 1
    elif labels.size and labels.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: class values must be smaller than num_classes={num_classes}, got "
            f"{labels.max()}"
        )
    xp = get_array_module(labels)
    return Tensor((labels[..., None] == xp.arange(num_classes)).astype(np.int64))


def _check_matrix(name: str, x: Tensor) -> None:
    if x.ndim < 2:
        raise ShapeError(f"{name}: expected a tensor with at least 2 dimensions, got {x.shape}")


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle: entries above the ``diagonal``-th diagonal set to 0."""
    _check_matrix("tril", input)
    return Triangle.apply(input, int(diagonal), True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle: entries below the ``diagonal``-th diagonal set to 0."""
    _check_matrix("triu", input)
    return Triangle.apply(input, int(diagonal), False)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input becomes a matrix with it on the ``diagonal``-th diagonal; a 2-D input gives
    that diagonal, as ``torch.diag``."""
    if input.ndim not in (1, 2):
        raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got shape {input.shape}")
    return Diag.apply(input, int(diagonal))


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input`` (any
    shape) → (*input.shape, embedding_dim), as ``torch.nn.functional.embedding``; the row
    ``padding_idx`` gets no gradient."""
    index = input.data if isinstance(input, Tensor) else np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer indices, got dtype {index.dtype}")
    if weight.ndim != 2:
        raise ShapeError(
            f"embedding: weight must be (num_embeddings, embedding_dim), got {weight.shape}"
        )
    rows = weight.shape[0]
    if index.size and (index.min() < 0 or index.max() >= rows):
        raise IndexError(
            f"embedding: indices must be in [0, {rows - 1}] for {rows} embeddings, got values "
            f"from {index.min()} to {index.max()}"
        )
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"embedding: padding_idx must be within [{-rows}, {rows - 1}]")
        padding_idx %= rows
    return Embedding.apply(weight, index, padding_idx)


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the nonzero elements: an int64 (count, ndim) tensor, or with
    ``as_tuple`` one index tensor per axis (what ``x[...]`` takes), as ``torch.nonzero``."""
    where = get_array_module(input.data).nonzero(input.data)
    if as_tuple:
        return tuple(Tensor(i.astype(np.int64)) for i in where)
    return Tensor(get_array_module(input.data).stack(where, axis=1).astype(np.int64))


def _scatter(name: str, input: Tensor, dim: int, index, src, add: bool) -> Tensor:
    index = index.data if isinstance(index, Tensor) else np.asarray(index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{name}: index must be an integer tensor, got dtype {index.dtype}")
    axis = normalize_dim(dim, input.ndim, name)
    if index.ndim != input.ndim:
        raise ShapeError(
            f"{name}: index must have as many dimensions as input ({input.ndim}), got {index.shape}"
        )
    if index.size and (index.min() < 0 or index.max() >= input.shape[axis]):
        raise IndexError(
            f"{name}: index out of range for dimension {axis} of size {input.shape[axis]}"
        )
    src = operand(src, input)
    if isinstance(src, Tensor):
        if src.ndim != input.ndim or any(i > n for i, n in zip(index.shape, src.shape)):
            raise ShapeError(
                f"{name}: src {src.shape} must have input's dimensions and be at least as "
                f"large as index {index.shape}"
            )
        src = cast(src, input.dtype)
    else:
        src = Tensor(np.asarray(src, dtype=input.dtype))
    return Scatter.apply(input, src, index, axis, add)


def scatter(input: Tensor, dim: int, index, src) -> Tensor:
    """A copy of ``input`` with out[index[i][j]][j] = src[i][j] (dim 0; likewise for any dim),
    as ``torch.scatter``; ``src`` may be a number."""
    return _scatter("scatter", input, dim, index, src, add=False)


def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """A copy of ``input`` with src[i][j] added at out[index[i][j]][j] (dim 0), repeats summed,
    as ``torch.scatter_add``."""
    return _scatter("scatter_add", input, dim, index, src, add=True)


def index_select(input: Tensor, dim: int, index) -> Tensor:
    """The entries of ``input`` at the 1-D integer ``index`` along ``dim``."""
    index = index.data if isinstance(index, Tensor) else np.asarray(index)
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise IndexError(f"index_select: index must be a 1-D integer tensor, got {index.shape}")
    axis = normalize_dim(dim, input.ndim, "index_select")
    return getitem(input, (slice(None),) * axis + (index,))


def masked_select(input: Tensor, mask) -> Tensor:
    """The entries of ``input`` where ``mask`` (broadcast to its shape) is True, as a 1-D
    tensor."""
    cond = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if cond.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {cond.dtype}")
    shape = np.broadcast_shapes(input.shape, cond.shape)
    return getitem(input.expand(shape), get_array_module(cond).broadcast_to(cond, shape))


def take_along_dim(input: Tensor, indices, dim: int | None = None) -> Tensor:
    """``gather`` with the indices broadcast against the input (all but ``dim``); with ``dim``
    None the flattened input is indexed, as ``torch.take_along_dim``."""
    index = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is None:
        return gather(input.reshape(-1), 0, index.reshape(-1))
    axis = normalize_dim(dim, input.ndim, "take_along_dim")
    if index.ndim != input.ndim:
        raise ShapeError(
            f"take_along_dim: indices must have the input's {input.ndim} dimensions, got "
            f"{index.shape}"
        )
    shape = list(
        np.broadcast_shapes(
            input.shape[:axis] + (1,) + input.shape[axis + 1 :],
            index.shape[:axis] + (1,) + index.shape[axis + 1 :],
        )
    )
    index = get_array_module(index).broadcast_to(
        index, tuple(shape[:axis]) + (index.shape[axis],) + tuple(shape[axis + 1 :])
    )
    shape[axis] = input.shape[axis]
    return gather(input.expand(tuple(shape)), axis, index)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, got shape {input.shape}")
    return diag(input).sum()
