"""The fast window routines under conv and max pooling: channels-last images, threaded padding,
grouped im2col in pieces, and col2im as strided or shifted contiguous adds.

Layout: the API is NCHW as in PyTorch, but inside these kernels images are channels-last
``(N, H, W, C)``: a window then covers contiguous runs of C values, so the im2col copy and the
per-offset slices move whole cache lines. Kernels return ``out_nhwc.transpose(0, 3, 1, 2)``, a
free NCHW *view* of channels-last memory; the next window op (or batch norm) sees through it
with ``channels_last(x)``, which costs nothing for such a view.
"""

from __future__ import annotations

from ..backend import get_array_module
from ..geometry import Window
from . import parallel

CHUNK_BYTES = 64 << 20  # the largest im2col buffer built at once (VGG at 224x224 needs chunks)


def cells(window: Window, i: int, j: int, out_hw: tuple[int, int]) -> tuple:
    """Index of the padded (N, H, W, C) cells under tap (i, j) for every output position."""
    return (slice(None), *window.tap(i, j, out_hw))


# ----------------------------------------------------------------------- padding
def pad_image(x_nhwc, padding, value: float = 0.0):
    """Pad the H and W axes of (N, H, W, C) by (top, bottom, left, right) with ``value`` → a
    C-contiguous array (``x_nhwc`` itself when there is no padding and it is contiguous
    already), each thread filling a share of the images."""
    xp = get_array_module(x_nhwc)
    top, bottom, left, right = padding
    n, h, w, c = x_nhwc.shape
    if not any(padding):
        return xp.ascontiguousarray(x_nhwc)
    out = xp.empty((n, h + top + bottom, w + left + right, c), dtype=x_nhwc.dtype)

    def fill(s):  # only the border, then the image: one pass over the memory, not two
        share = out[s]
        share[:, :top] = value
        share[:, top + h :] = value
        share[:, :, :left] = value
        share[:, :, left + w :] = value
        share[:, top : top + h, left : left + w] = x_nhwc[s]

    parallel.over_batch(fill, out)
    return out


def unpad_image(grad_padded, padding, shape):
    """The adjoint of ``pad_image``: the (N, H, W, C) gradient of the input of ``shape``, a
    crop of the padded image's gradient."""
    top, _, left, _ = padding
    return grad_padded[:, top : top + shape[1], left : left + shape[2]]


# ----------------------------------------------------------------------- im2col and col2im
def windows(x_padded, window: Window, out_hw: tuple[int, int]):
    """A read-only strided view (N, H_out, W_out, F_h, F_w, C) of a padded (N, H, W, C) image:
    element [n, y, x, i, j, c] is padded cell (y·S_h + i·D_h, x·S_w + j·D_w) of channel c.
    No copy: the view steps through the same memory with different strides."""
    xp = get_array_module(x_padded)
    sn, sh, sw, sc = x_padded.strides
    (dh, dw), (th, tw) = window.dilation, window.stride
    shape = (x_padded.shape[0], *out_hw, *window.kernel, x_padded.shape[3])
    strides = (sn, sh * th, sw * tw, sh * dh, sw * dw, sc)
    return xp.lib.stride_tricks.as_strided(x_padded, shape, strides, writeable=False)


def im2col(x_padded, window: Window, out_hw: tuple[int, int], groups: int = 1):
    """(N, H, W, C) padded image → (groups, N·H_out·W_out, F_h·F_w·C/groups) matrix.

    Row r holds every input value that output pixel r's window covers, ordered (i, j, c), for
    each group of channels separately (a grouped conv multiplies each group by its own filters).
    """
    xp = get_array_module(x_padded)
    view = windows(x_padded, window, out_hw)
    n, ho, wo, kh, kw, c = view.shape
    if groups == 1:
        return view.reshape(1, n * ho * wo, kh * kw * c)  # the one copy im2col makes
    grouped = view.reshape(n, ho, wo, kh, kw, groups, c // groups).transpose(5, 0, 1, 2, 3, 4, 6)
    return xp.ascontiguousarray(grouped).reshape(groups, n * ho * wo, -1)


def col2im(tap_columns, grad_padded, window: Window, out_hw: tuple[int, int]) -> None:
    """Add window gradients back onto the (N, H, W, C) padded image gradient ``grad_padded``,
    in place: the adjoint of ``im2col``.

    ``tap_columns(k)`` gives the (N·H_out·W_out, C) block of the column gradient that belongs
    to kernel tap k: the gradient of the values tap k read. Asking for one block at a time
    means the full (N·H_out·W_out, F_h·F_w·C) matrix never has to exist; each block is added
    with one strided add over every pixel at once, and where windows overlap a cell receives
    the sum of the gradients of all the windows that read it.
    """
    n, c = grad_padded.shape[0], grad_padded.shape[3]
    for k, i, j in window.taps():
        grad_padded[cells(window, i, j, out_hw)] += tap_columns(k).reshape(n, *out_hw, c)


def col2im_shifted(tap_columns, flat, window: Window, image_hw: tuple[int, int]) -> None:
    """``col2im`` for stride 1, in long contiguous runs, overwriting ``flat``.

    ``flat`` holds n padded (H, W, C) images one after another as (n·H·W, C) rows. With
    stride 1, tap (i, j) of output pixel (y, x) reads padded cell (y + i·D_h, x + j·D_w).
    Number each image's cells row-major, q = row·W + col, and let the outputs use the *padded*
    width too: p = y·W + x, with x running past W_out into ``span_w - 1`` extra columns whose
    gradient is zero. Then tap (i, j) reads cell q = p + (i·D_h·W + j·D_w), one fixed shift:
    ``tap_columns(k)``, asked for on that extended grid, (n·H_out·W, C), goes back onto each
    image with one add over a contiguous run of H_out·W·C values, instead of strided adds of
    short rows (NumPy is 3x slower per value on runs of ~1,000 than on long ones). The extra
    columns' zeros land harmlessly in the next row's first cells, or the next image's; past
    the last image they are cut off, so ``flat`` may be one share of a larger buffer that other
    threads fill at the same time.
    """
    xp = get_array_module(flat)
    height, width = image_hw
    cells, c = height * width, flat.shape[1]
    n = flat.shape[0] // cells
    length = (height - window.span[0] + 1) * width  # H_out rows of the extended grid
    images = flat.reshape(n, cells, c)
    images[:, length:] = 0  # tap (0, 0) covers [0, length) of each image: written, not added
    item = flat.itemsize
    for k, i, j in window.taps():
        block = tap_columns(k).reshape(n, length, c)
        if k == 0:
            images[:, :length] = block
            continue
        shift = i * window.dilation[0] * width + j * window.dilation[1]
        if n > 1:  # every image but the last: one strided view, shifted
            target = xp.lib.stride_tricks.as_strided(
                flat[shift:], (n - 1, length, c), (cells * c * item, c * item, item)
            )
            target += block[:-1]
        start = (n - 1) * cells + shift
        kept = min(length, cells - shift)  # what lies past the last cell is zeros
        flat[start : start + kept] += block[-1, :kept]


def extend_columns(grad_nhwc, width: int):
    """(N, H, W_out, C) → (N, H, ``width``, C): the same values, zeros in the extra columns
    (the extended grid of ``col2im_shifted``)."""
    xp = get_array_module(grad_nhwc)
    n, h, w, c = grad_nhwc.shape
    if w == width:
        return xp.ascontiguousarray(grad_nhwc)
    out = xp.empty((n, h, width, c), dtype=grad_nhwc.dtype)
    out[:, :, w:] = 0
    out[:, :, :w] = grad_nhwc
    return out


def chunks(batch: int, out_hw: tuple[int, int], row_bytes: int, budget: int = CHUNK_BYTES):
    """(batch slice, output-row slice) pieces whose im2col rows take at most ``budget`` bytes:
    whole images while one fits, else bands of rows of one image at a time."""
    ho, wo = out_hw
    image_bytes = ho * wo * row_bytes
    if image_bytes * batch <= budget:
        return [(slice(0, batch), slice(0, ho))]
    if image_bytes <= budget:
        per = budget // image_bytes
        return [(slice(n, min(n + per, batch)), slice(0, ho)) for n in range(0, batch, per)]
    rows = max(1, budget // (wo * row_bytes))
    return [
        (slice(n, n + 1), slice(r, min(r + rows, ho)))
        for n in range(batch)
        for r in range(0, ho, rows)
    ]
