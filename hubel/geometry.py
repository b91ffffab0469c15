"""Where a sliding window's taps fall: the course's geometry, once, for the ops and the analyzer.

A 2-D window op slides a kernel of ``F_h x F_w`` cells over a padded image with stride ``S``
and dilation ``D`` (a dilated kernel skips ``D - 1`` cells between taps, so it spans
``D·(F - 1) + 1`` cells). Along each axis the number of positions is the course formula

    W_out = floor((W_in - F + 2P) / S) + 1,   F → D·(F - 1) + 1 when dilated,

with ``ceil`` instead of ``floor`` in pooling's ceil mode (and PyTorch's rule that a last window
starting in the right padding is dropped). ``'same'`` padding adds D·(F - 1) cells per axis, the
odd one on the bottom/right. Pure Python, importing nothing of hubel but its error classes:
the ops (``functional/``), their fast kernels (``kernels/``) and the analyzer (``analysis/``) all
stand on it. It also names the two image layouts the window ops use (NCHW and channels-last).
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

from .errors import ShapeError


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as an int >= 1, or a ValueError naming ``owner``'s argument ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def pair(value, name: str, owner: str, minimum: int = 1) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; ``(3, 5)`` stays; each entry an int >= ``minimum``."""
    # Plain ints first, without the checks against numbers.Integral (an op checks its window on
    # every call); bools, NumPy ints, lists and anything wrong take the full path below.
    if type(value) is int and value >= minimum:
        return value, value
    if type(value) is tuple and len(value) == 2:
        first, second = value
        if type(first) is int and type(second) is int and min(first, second) >= minimum:
            return value
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


def span(kernel: int, dilation: int) -> int:
    """Cells one dilated kernel covers: D·(F - 1) + 1."""
    return dilation * (kernel - 1) + 1


def output_size(size: int, kernel: int, stride: int, pads, dilation: int, ceil_mode: bool) -> int:
    """floor((size + P_before + P_after - D·(F - 1) - 1) / S) + 1 (``ceil`` in ceil mode); may
    be < 1, when the kernel does not fit."""
    numerator = size + pads[0] + pads[1] - span(kernel, dilation)
    out = (-(-numerator // stride) if ceil_mode else numerator // stride) + 1
    # NOTE: PyTorch's ceil mode drops a last window that would start in the right padding.
    if ceil_mode and (out - 1) * stride >= size + pads[0]:
        out -= 1
    return out


def same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """PyTorch's ``padding='same'`` along one axis (stride 1): D·(F - 1) cells in all, the odd
    extra one after (bottom/right)."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


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
        return tuple(span(f, d) for f, d in zip(self.kernel, self.dilation))

    def output_shape(self, height: int, width: int, owner: str, ceil_mode: bool = False):
        """(H_out, W_out), or a ValueError showing the formula with the numbers put in.
        Remembered per (window, size) for plain ints: a network asks for the same few sizes
        on every call (a conv asks up to five times), and each answer is a handful of Python
        steps; an error is never remembered."""
        if type(height) is int and type(width) is int and type(ceil_mode) is bool:
            return _output_shape(self, height, width, owner, ceil_mode)
        return self._compute_output_shape(height, width, owner, ceil_mode)

    def _compute_output_shape(self, height, width, owner, ceil_mode):
        return tuple(
            _checked_output_size(owner, axis, size, f, s, pads, d, ceil_mode)
            for axis, size, f, s, pads, d in zip(
                ("height", "width"),
                (height, width),
                self.kernel,
                self.stride,
                (self.padding[:2], self.padding[2:]),
                self.dilation,
            )
        )

    def tap(self, i: int, j: int, out_hw: tuple[int, int]) -> tuple[slice, slice]:
        """The (rows, columns) of the padded image under kernel tap (i, j) for every output
        position: rows i·D_h, i·D_h + S_h, ..., one per output row (likewise for columns)."""
        (dh, dw), (sh, sw), (ho, wo) = self.dilation, self.stride, out_hw
        return (
            slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
        )

    def taps(self):
        """Kernel taps (k, i, j) in row-major order: k = i·F_w + j."""
        kh, kw = self.kernel
        return ((i * kw + j, i, j) for i in range(kh) for j in range(kw))

    def input_rows(self, out_rows: slice) -> slice:
        """The padded-input rows that output rows ``out_rows`` read (for chunking)."""
        first = out_rows.start * self.stride[0]
        return slice(first, (out_rows.stop - 1) * self.stride[0] + self.span[0])


@functools.lru_cache(maxsize=1024)
def _output_shape(window: Window, height: int, width: int, owner: str, ceil_mode: bool):
    return window._compute_output_shape(height, width, owner, ceil_mode)


def _checked_output_size(owner, axis, size, kernel, stride, pads, dilation, ceil_mode) -> int:
    out = output_size(size, kernel, stride, pads, dilation, ceil_mode)
    if out >= 1:
        return out
    padding = pads[0] if pads[0] == pads[1] else pads
    settings = f"kernel_size={kernel}, stride={stride}, padding={padding}"
    settings += f", dilation={dilation}" if dilation != 1 else ""
    settings += ", ceil_mode=True" if ceil_mode else ""
    reach = span(kernel, dilation)
    fraction = f"({size} - {reach} + {pads[0] + pads[1]})/{stride}"
    formula = f"ceil({fraction}) + 1" if ceil_mode else f"{fraction} + 1"
    message = f"{owner}({settings}): input {axis} {size} gives output {axis} {formula} = {out} < 1"
    if dilation != 1:
        message += f" (dilated kernel: {dilation}·({kernel} - 1) + 1 = {reach})"
    raise ShapeError(message)


def channels_last(x):
    """(N, C, H, W) → (N, H, W, C), C-contiguous: free when x is already a channels-last
    view (as the fast window kernels return), one transposing copy otherwise."""
    nhwc = x.transpose(0, 2, 3, 1)
    return nhwc if nhwc.flags.c_contiguous else nhwc.copy()


def to_nchw(x_nhwc):
    """The NCHW view of channels-last (N, H, W, C) memory (no copy)."""
    return x_nhwc.transpose(0, 3, 1, 2)


def pool_padding(window: Window, in_hw, out_hw) -> tuple[int, int, int, int]:
    """The window's padding plus the cells a ceil-mode last window reaches past the padded
    input on the bottom/right (they never count: -inf for max, excluded from the mean)."""
    top, bottom, left, right = window.padding
    extra = [
        max(0, (o - 1) * s + reach - (size + lo + hi))
        for o, s, reach, size, lo, hi in zip(
            out_hw, window.stride, window.span, in_hw, (top, left), (bottom, right)
        )
    ]
    return top, bottom + extra[0], left, right + extra[1]


def first_valid_tap(window: Window, in_hw, out_hw, owner: str, xp):
    """Per output position, the first tap inside the image (not the padding): where PyTorch's
    max-pool index points when every value in the window is -inf. Shape (H_out, W_out); a
    ValueError when a window sees only padding."""
    firsts = []
    axes = zip(window.kernel, window.stride, window.dilation, window.padding[::2])
    for axis, size, o, (f, s, d, lo) in zip(("height", "width"), in_hw, out_hw, axes):
        start = xp.arange(o) * s - lo  # first cell of each window, maybe in the padding
        first = xp.maximum(0, -(start // d))  # ceil(-start / d) taps to step inside
        empty = (first >= f) | (start + first * d >= size)
        if empty.any():  # a dilated kernel can step over a small image and see only padding
            raise ValueError(
                f"{owner}: with kernel_size={f}, dilation={d}, padding={lo} the window at "
                f"output {axis} {int(xp.argmax(empty))} sees only padding (input {axis} {size})"
            )
        firsts.append(first)
    return firsts[0][:, None] * window.kernel[1] + firsts[1][None, :]
