"""Padding an image: a border of constants, or of copies of the image's own edge cells."""

from __future__ import annotations

import numbers

from ..autograd import Function
from ..tensor import Tensor
from .window import channels_last, pad_image, to_nchw, unpad_image

MODES = ("constant", "reflect", "replicate", "circular")


class Pad2d(Function):
    """y = x with a border;  dL/dx = the gradient of the cells copied from x (constant
    padding: the centre crop; other modes also add each border cell's gradient to its source)."""

    @staticmethod
    def forward(ctx, x, *, padding, mode, value):
        ctx.padding, ctx.mode, ctx.x_shape = padding, mode, x.shape
        return to_nchw(pad_image(x.transpose(0, 2, 3, 1), padding, mode, value))

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.x_shape
        return to_nchw(unpad_image(channels_last(grad), ctx.padding, (n, h, w, c), ctx.mode))


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last two axes of (N, C, H, W) input by ``pad`` = (left, right) or
    (left, right, top, bottom), PyTorch's order (last axis first).

    Modes: ``constant`` (``value``, default 0), ``reflect`` (mirror, edge not repeated),
    ``replicate`` (repeat the edge), ``circular`` (wrap around); the last three need all four.
    """
    owner = "pad"
    if not isinstance(input, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim != 4:
        raise ValueError(f"{owner}: expected input of shape (N, C, H, W), got {input.shape}")
    if mode not in MODES:
        raise ValueError(f"{owner}: mode must be one of {MODES}, got {mode!r}")
    if (
        not isinstance(pad, tuple | list)
        or len(pad) not in (2, 4)
        or any(not isinstance(p, numbers.Integral) or p < 0 for p in pad)
    ):
        raise ValueError(
            f"{owner}: expected pad = (left, right) or (left, right, top, bottom) of "
            f"non-negative ints, got {pad!r}"
        )
    if mode != "constant" and len(pad) != 4:
        raise ValueError(
            f"{owner}: mode={mode!r} needs pad = (left, right, top, bottom), got {tuple(pad)}"
        )
    left, right, top, bottom = (*pad, 0, 0) if len(pad) == 2 else pad
    h, w = input.shape[2:]
    limit = {"reflect": (h - 1, w - 1), "circular": (h, w)}.get(mode)
    if limit and (max(top, bottom) > limit[0] or max(left, right) > limit[1]):
        raise ValueError(
            f"{owner}: {mode} padding must be at most {'size - 1' if mode == 'reflect' else 'size'}"
            f" of its axis, got pad {tuple(pad)} for input {input.shape}"
        )
    if value is not None and mode != "constant":
        raise ValueError(f"{owner}: value is only used by mode='constant', got mode={mode!r}")
    padding = (int(top), int(bottom), int(left), int(right))
    return Pad2d.apply(input, padding=padding, mode=mode, value=0.0 if value is None else value)
