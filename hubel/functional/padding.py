"""Padding: a border of constants, or of copies of the input's own edge cells, on the last
axes of a tensor of any rank; negative amounts crop instead (as ``torch.nn.functional.pad``)."""

from __future__ import annotations

import numbers

from ..autograd import Function
from ..backend import get_array_module
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import per_value_cost
from .window import pad_indices

MODES = ("constant", "reflect", "replicate", "circular")


def _constant_slices(pads):
    """(source, destination) slices of the part of x that survives into y, per padded axis:
    a positive pad moves x inwards in y, a negative one cuts cells off x."""
    source, destination = [], []
    for before, after in pads:
        source.append(slice(max(-before, 0), None if after >= 0 else after))
        destination.append(slice(max(before, 0), None if after <= 0 else -after))
    return (Ellipsis, *source), (Ellipsis, *destination)


def _copied_cells(size: int, before: int, after: int, mode: str, xp):
    """For each cell of y along one axis, the cell of x it copies: negative amounts crop first,
    then the crop is padded (so circular padding wraps around what is left, as PyTorch)."""
    cut_before, cut_after = max(-before, 0), max(-after, 0)
    kept = size - cut_before - cut_after
    return cut_before + pad_indices(kept, max(before, 0), max(after, 0), mode, xp)


class Pad(Function):
    """y = x with ``pads`` = ((before, after), ...) cells added to its last axes.

    constant: y is ``value`` around a copy of x, and dL/dx is the gradient of the copy.
    reflect, replicate, circular: each cell of y copies one cell of x (``_copied_cells``), and
    dL/dx adds up the gradient of every cell that copied it.
    """

    cost = per_value_cost(0)

    @staticmethod
    def forward(ctx, x, *, pads, mode, value):
        xp = get_array_module(x)
        ctx.mode, ctx.shape = mode, x.shape
        kept = x.ndim - len(pads)
        if mode == "constant":
            shape = x.shape[:kept] + tuple(
                n + before + after for n, (before, after) in zip(x.shape[kept:], pads)
            )
            y = xp.full(shape, value, dtype=x.dtype)
            ctx.source, ctx.destination = _constant_slices(pads)
            y[ctx.destination] = x[ctx.source]
            return y
        sources = [
            _copied_cells(n, before, after, mode, xp)
            for n, (before, after) in zip(x.shape[kept:], pads)
        ]
        ctx.index = (Ellipsis, *xp.ix_(*sources))
        return x[ctx.index]

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        out = xp.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.mode == "constant":
            out[ctx.source] = grad[ctx.destination]
        else:
            xp.add.at(out, ctx.index, grad)
        return out


def _check_pad(input, pad, mode, value) -> tuple:
    """PyTorch's checks, with hubel's messages; the pads as ((before, after), ...) from the
    first padded axis to the last."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    if (
        not isinstance(pad, tuple | list)
        or len(pad) % 2
        or any(not isinstance(p, numbers.Integral) for p in pad)
    ):
        raise ValueError(
            f"pad: expected pad = (left, right[, top, bottom[, front, back, ...]]) of ints, an "
            f"even number of them (last axis first), got {pad!r}"
        )
    axes = len(pad) // 2
    if axes > input.ndim:
        raise ShapeError(
            f"pad: {len(pad)} values pad {axes} axes; the input {input.shape} has {input.ndim}"
        )
    if value is not None and mode != "constant":
        raise ValueError(f"pad: value is only used by mode='constant', got mode={mode!r}")
    if mode != "constant" and (axes > 3 or input.ndim not in (axes + 1, axes + 2)):
        raise ShapeError(
            f"pad: mode={mode!r} pads the last 1, 2 or 3 axes of a tensor with one or two more "
            f"axes (batch, channels), as PyTorch; got pad {tuple(pad)} for input {input.shape}"
        )
    # pad lists the last axis first: (left, right) of the last axis, then the one before, ...
    pads = tuple((int(pad[2 * k]), int(pad[2 * k + 1])) for k in reversed(range(axes)))
    sizes = input.shape[input.ndim - axes :]
    for size, (before, after) in zip(sizes, pads):
        if size + before + after < 0 or (mode != "constant" and size + before + after < 1):
            raise ShapeError(
                f"pad: the input size {size} with padding ({before}, {after}) gives a negative "
                f"or empty output size; got pad {tuple(pad)} for input {input.shape}"
            )
        limit = {"reflect": size - 1, "circular": size}.get(mode)
        if limit is not None and max(before, after) > limit:
            raise ShapeError(
                f"pad: {mode} padding must be at most "
                f"{'size - 1' if mode == 'reflect' else 'size'} of its axis, got pad {tuple(pad)} "
                f"for input {input.shape}"
            )
    return pads


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` axes of ``input``: ``pad`` = (left, right) for the last
    axis, then (top, bottom) for the one before, and so on (PyTorch's order); a negative amount
    crops that many cells instead.

    Modes: ``constant`` (``value``, default 0; any rank), ``reflect`` (mirror, edge not
    repeated), ``replicate`` (repeat the edge), ``circular`` (wrap around); the last three pad
    1 to 3 axes of a (C, ...) or (N, C, ...) tensor, as PyTorch.
    """
    pads = _check_pad(input, pad, mode, value)
    fill = 0 if value is None else value
    return Pad.apply(input, pads=pads, mode=mode, value=fill)
