"""The one window routine: every convolution and pooling op looks at its input through it.

A 2-D window op slides a kernel of ``F_h x F_w`` cells over a padded image with stride ``S``
and dilation ``D`` (a dilated kernel skips ``D - 1`` cells between taps, so it spans
``D·(F - 1) + 1`` cells). Along each axis the number of positions is the course formula

    W_out = floor((W_in - F + 2P) / S) + 1,   F → D·(F - 1) + 1 when dilated.

**im2col** ("image to columns") turns the sliding into one matrix product. Every output pixel
gets a row holding the ``F_h·F_w·C`` input values under its window; a convolution is then
``cols @ W`` with the filters as ``(F_h·F_w·C, C_out)`` columns: one large BLAS call instead of
a loop over pixels. **col2im** is its adjoint: it scatters a row gradient back onto the image,
adding where windows overlap. Pooling uses the same windows, one kernel offset at a time.

Layout: the API is NCHW as in PyTorch, but inside these ops images are channels-last
``(N, H, W, C)``: a window then covers contiguous runs of C values, so the im2col copy and the
per-offset slices move whole cache lines. Ops return ``out_nhwc.transpose(0, 3, 1, 2)``, a
free NCHW *view* of channels-last memory; the next window op (or batch norm) sees through it
with ``channels_last(x)``, which costs nothing for such a view.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .. import parallel
from ..backend import get_array_module

CHUNK_BYTES = 64 << 20  # the largest im2col buffer built at once (VGG at 224x224 needs chunks)


def pair(value, name: str, owner: str, minimum: int = 1) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; ``(3, 5)`` stays; each entry an int >= ``minimum``."""
    values = (value, value) if isinstance(value, numbers.Integral) else value
    if (
        not isinstance(values, tuple | list)
        or len(values) != 2
        or any(not isinstance(v, numbers.Integral) or isinstance(v, bool) for v in values)
        or any(v < minimum for v in values)
    ):
        raise ValueError(
            f"{owner}: {name} must be an int >= {minimum} or a pair of them, got {value!r}"
        )
    return int(values[0]), int(values[1])


@dataclass(frozen=True)
class Window:
    """Where a kernel's taps fall: per axis (height, width) the kernel size, stride, dilation,
    and the padding (top, bottom, left, right) added around the image."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    dilation: tuple[int, int] = (1, 1)

    @property
    def span(self) -> tuple[int, int]:
        """Cells covered by one dilated kernel: D·(F - 1) + 1 per axis."""
        return tuple(d * (f - 1) + 1 for d, f in zip(self.dilation, self.kernel))

    def output_shape(self, height: int, width: int, owner: str, ceil_mode: bool = False):
        """(H_out, W_out), or a ValueError showing the formula with the numbers put in."""
        return tuple(
            _output_size(owner, axis, size, f, s, pads, d, ceil_mode)
            for axis, size, f, s, pads, d in zip(
                ("height", "width"),
                (height, width),
                self.kernel,
                self.stride,
                (self.padding[:2], self.padding[2:]),
                self.dilation,
            )
        )

    def input_rows(self, out_rows: slice) -> slice:
        """The padded-input rows that output rows ``out_rows`` read (for chunking)."""
        first = out_rows.start * self.stride[0]
        return slice(first, (out_rows.stop - 1) * self.stride[0] + self.span[0])

    def offset(self, i: int, j: int, out_hw: tuple[int, int]) -> tuple:
        """Index of the padded cells under kernel tap (i, j) for every output position:
        rows i·D_h, i·D_h + S_h, ..., one per output row (and likewise for columns)."""
        (dh, dw), (sh, sw), (ho, wo) = self.dilation, self.stride, out_hw
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
        return (slice(None), rows, cols)

    def taps(self):
        """Kernel taps (k, i, j) in row-major order: k = i·F_w + j."""
        kh, kw = self.kernel
        return ((i * kw + j, i, j) for i in range(kh) for j in range(kw))


def _output_size(owner, axis, size, kernel, stride, pads, dilation, ceil_mode) -> int:
    span = dilation * (kernel - 1) + 1
    numerator = size + pads[0] + pads[1] - span
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    # NOTE: PyTorch's ceil mode drops a last window that would start in the right padding.
    if ceil_mode and (out - 1) * stride >= size + pads[0]:
        out -= 1
    if out >= 1:
        return out
    padding = pads[0] if pads[0] == pads[1] else pads
    settings = f"kernel_size={kernel}, stride={stride}, padding={padding}"
    settings += f", dilation={dilation}" if dilation != 1 else ""
    settings += ", ceil_mode=True" if ceil_mode else ""
    fraction = f"({size} - {span} + {pads[0] + pads[1]})/{stride}"
    formula = f"ceil({fraction}) + 1" if ceil_mode else f"{fraction} + 1"
    message = f"{owner}({settings}): input {axis} {size} gives output {axis} {formula} = {out} < 1"
    if dilation != 1:
        message += f" (dilated kernel: {dilation}·({kernel} - 1) + 1 = {span})"
    raise ValueError(message)


# ----------------------------------------------------------------------- layouts and padding
def channels_last(x):
    """(N, C, H, W) → (N, H, W, C), C-contiguous: free when x is already a channels-last
    view (as window ops return), one transposing copy otherwise."""
    nhwc = x.transpose(0, 2, 3, 1)
    return nhwc if nhwc.flags.c_contiguous else get_array_module(x).ascontiguousarray(nhwc)


def to_nchw(x_nhwc):
    """The NCHW view of channels-last memory (no copy)."""
    return x_nhwc.transpose(0, 3, 1, 2)


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
        grad_padded[window.offset(i, j, out_hw)] += tap_columns(k).reshape(n, *out_hw, c)


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
