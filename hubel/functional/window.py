"""Padding an image's border (constant, reflect, replicate, circular), and the NCHW ↔
channels-last views: the helpers of the padding ops (``padding.py``).

Images are padded channels-last, ``(N, H, W, C)``, so that an op whose input is already a
channels-last view (as the fast conv kernels return) reads it without a copy.
"""

from __future__ import annotations

from ..backend import get_array_module
from ..geometry import channels_last, to_nchw

__all__ = ["channels_last", "pad_image", "pad_indices", "to_nchw", "unpad_image"]


def pad_indices(size: int, before: int, after: int, mode: str, xp):
    """For each padded position along an axis, the input position it copies.

    ``reflect`` mirrors without repeating the edge (PyTorch's and NumPy's ``reflect``),
    ``replicate`` repeats the edge, ``circular`` wraps around.
    """
    i = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(i, 0, size - 1)
    if mode == "circular":
        return i % size
    period = 2 * (size - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    i = xp.abs(i) % period if period else i * 0
    return xp.where(i >= size, period - i, i)


def pad_image(x_nhwc, padding, mode: str = "constant", value: float = 0.0):
    """Pad the H and W axes of (N, H, W, C) by (top, bottom, left, right) → a C-contiguous
    array (``x_nhwc`` itself when there is no padding and it is contiguous already)."""
    xp = get_array_module(x_nhwc)
    top, bottom, left, right = padding
    n, h, w, c = x_nhwc.shape
    if not any(padding):
        return xp.ascontiguousarray(x_nhwc)
    if mode != "constant":
        rows = pad_indices(h, top, bottom, mode, xp)
        cols = pad_indices(w, left, right, mode, xp)
        return x_nhwc[:, rows[:, None], cols[None, :]]
    out = xp.full((n, h + top + bottom, w + left + right, c), value, dtype=x_nhwc.dtype)
    out[:, top : top + h, left : left + w] = x_nhwc
    return out


def unpad_image(grad_nhwc, padding, shape, mode: str = "constant"):
    """The adjoint of ``pad_image``: the gradient of the (N, H, W, C) input of shape ``shape``.

    Constant padding only crops; the other modes copied input cells into the border, so those
    cells' gradients are added back to where they came from.
    """
    top, bottom, left, right = padding
    h, w = shape[1], shape[2]
    if mode == "constant":
        return grad_nhwc[:, top : top + h, left : left + w]
    xp = get_array_module(grad_nhwc)
    rows = pad_indices(h, top, bottom, mode, xp)
    cols = pad_indices(w, left, right, mode, xp)
    out = xp.zeros(shape, dtype=grad_nhwc.dtype)
    # NOTE: out[idx] += g would drop repeated indices; add.at sums every copy's gradient.
    xp.add.at(out, (slice(None), rows[:, None], cols[None, :]), grad_nhwc)
    return out
