"""Pooling: summarise each window of a feature map by its max or its mean.

Fixed windows go through the same window routine as convolution, one kernel tap at a time:
for tap (i, j) the cells it covers under every output position form one strided slice, so a
max over the window is F_h·F_w element-wise maxima over whole arrays, never a loop over pixels.
Adaptive pooling picks, for output bin i of n over an input axis of length L, the cells
[floor(i·L/n), ceil((i+1)·L/n)), PyTorch's bins (they overlap when L/n is not an integer).
"""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .window import Window, channels_last, pad_image, pair, to_nchw, unpad_image


def pool_window(kernel_size, stride, padding, dilation, owner: str) -> Window:
    """Check and normalise pooling arguments; ``stride=None`` means stride = kernel_size."""
    kernel = pair(kernel_size, "kernel_size", owner)
    stride = kernel if stride is None or stride == () else pair(stride, "stride", owner)
    ph, pw = pair(padding, "padding", owner, minimum=0)
    window = Window(kernel, stride, (ph, ph, pw, pw), pair(dilation, "dilation", owner))
    for p, f in zip((ph, pw), kernel):
        if 2 * p > f:
            raise ValueError(
                f"{owner}: padding must be at most half of kernel_size, got padding={p} for "
                f"kernel_size={f}"
            )
    return window


def _check_input(input, owner: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{owner}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim != 4:
        hint = " (add a batch axis: x.unsqueeze(0))" if input.ndim == 3 else ""
        raise ValueError(f"{owner}: expected input of shape (N, C, H, W), got {input.shape}{hint}")


def _pool_padding(window: Window, in_hw, out_hw) -> tuple[int, int, int, int]:
    """The window's padding plus the cells a ceil-mode last window reaches past the padded
    input on the bottom/right (they never count: -inf for max, excluded from the mean)."""
    top, bottom, left, right = window.padding
    extra = [
        max(0, (o - 1) * s + span - (size + lo + hi))
        for o, s, span, size, lo, hi in zip(
            out_hw, window.stride, window.span, in_hw, (top, left), (bottom, right)
        )
    ]
    return top, bottom + extra[0], left, right + extra[1]


# ------------------------------------------------------------------------------ max pooling
def _max_windows(padded, window: Window, out_hw, first_valid):
    """The max of every window and the tap (row-major k = i·F_w + j) that holds it, PyTorch's
    choice: the first max on ties, the last NaN when there are NaNs.

    Branch-free (a masked copy with a random mask was 5x slower: the CPU mispredicts every
    other element): 2x2 windows as a tournament of pairs, others one tap at a time. Images are
    split over the threads and walked in cache-sized blocks (parallel.py).
    """
    xp = get_array_module(padded)
    shape = (padded.shape[0], *out_hw, padded.shape[3])
    best = xp.empty(shape, dtype=padded.dtype)
    argmax = xp.empty(shape, dtype=np.min_scalar_type(window.kernel[0] * window.kernel[1]))
    # The tournament needs tap 0 inside the image everywhere (no padding before a window).
    pairwise = window.kernel == (2, 2) and not first_valid.any()

    def share(s):
        taps = [(k, padded[s][window.offset(i, j, out_hw)]) for k, i, j in window.taps()]
        top, arg = best[s], argmax[s]
        if pairwise:
            _max_of_four(*(values for _, values in taps), top, arg)
        else:
            _max_in_turn(taps, top, arg, first_valid)
        if xp.isnan(top).any():  # rare: PyTorch points at the last NaN of the window
            for k, values in taps:
                xp.maximum(arg, xp.isnan(values) * arg.dtype.type(k), out=arg)

    parallel.over_batch(share, padded, blocked=True)
    return best, argmax


def _max_in_turn(taps, top, arg, first_valid):
    """One tap at a time: ``top = maximum(top, v)``; since k only grows, the tap of the max is
    ``arg = maximum(arg, k·(v > top))``."""
    xp = get_array_module(top)
    top[...] = taps[0][1]
    arg[...] = first_valid[:, :, None]  # only cells in the padding come before it
    greater = xp.empty(top.shape, dtype=bool)
    for k, values in taps[1:]:
        xp.greater(values, top, out=greater)
        xp.maximum(top, values, out=top)  # NOTE: maximum propagates NaN, as PyTorch's max
        xp.maximum(arg, greater.view(np.uint8) * arg.dtype.type(k), out=arg)


def _max_of_four(a, b, c, d, top, arg):
    """The max of taps (a, b / c, d) = (0, 1 / 2, 3) and its tap, first on ties: the winner of
    each row's pair, then of the two winners; 3 maxima and 3 comparisons (half of
    ``_max_in_turn``'s passes), the tap index in uint8 arithmetic without branches."""
    xp = get_array_module(top)
    upper = xp.maximum(a, b)
    right_upper = xp.greater(b, a).view(np.uint8)  # 1 when b is strictly larger
    xp.maximum(c, d, out=top)
    right_lower = xp.greater(d, c).view(np.uint8)
    lower = xp.greater(top, upper).view(np.uint8)  # the lower pair wins only when larger
    xp.maximum(upper, top, out=top)
    # arg = lower ? 2 + right_lower : right_upper, as right_upper + lower·(2 + rl - ru) mod 256
    xp.subtract(right_lower, right_upper, out=arg)
    arg += 2
    arg *= lower
    arg += right_upper


def _first_valid_tap(window: Window, in_hw, out_hw, owner: str, xp):
    """Per output position, the first tap inside the image (not the padding): where PyTorch's
    index points when every value in the window is -inf. Shape (H_out, W_out)."""
    firsts = []
    geometry = zip(window.kernel, window.stride, window.dilation, window.padding[::2])
    for axis, size, o, (f, s, d, lo) in zip(("height", "width"), in_hw, out_hw, geometry):
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


class MaxPool2d(Function):
    """y = max of each window;  dL/dx = G at the one cell that was the max, 0 elsewhere.

    The forward receives the max and its tap already found (so that ``return_indices`` reuses
    them); backward routes each gradient to that tap's cell.
    """

    @staticmethod
    def forward(ctx, x, *, values, argmax, window, padding):
        ctx.argmax, ctx.window, ctx.padding, ctx.x_shape = argmax, window, padding, x.shape
        return to_nchw(values)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        grad = channels_last(grad)
        n, c, h, w = ctx.x_shape
        top, bottom, left, right = ctx.padding
        window, out_hw, argmax = ctx.window, grad.shape[1:3], ctx.argmax
        padded_shape = (n, h + top + bottom, w + left + right, c)
        # Windows that do not overlap (stride >= span) own their cells: write, don't add; and
        # when they also tile the padded input (stride = span, nothing left over) every cell
        # gets written, so the buffer needs no zeros first.
        disjoint = all(s >= span for s, span in zip(window.stride, window.span))
        tiled = window.dilation == (1, 1) and all(
            s == f and o * s == size
            for s, f, o, size in zip(window.stride, window.kernel, out_hw, padded_shape[1:3])
        )
        padded = (xp.empty if tiled else xp.zeros)(padded_shape, dtype=grad.dtype)

        def share(s):
            g, arg = grad[s], argmax[s]
            for k, i, j in window.taps():
                cells = padded[s][window.offset(i, j, out_hw)]
                if disjoint:
                    xp.multiply(g, arg == k, out=cells)
                else:
                    cells += g * (arg == k)

        parallel.over_batch(share, padded, blocked=True)
        return to_nchw(unpad_image(padded, ctx.padding, (n, h, w, c)))


def max_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Max over windows of (N, C, H, W) → (N, C, H_out, W_out), H_out = floor((H + 2P -
    D·(F - 1) - 1)/S) + 1 (ceil with ``ceil_mode``). Padding counts as -inf.

    ``return_indices``: also the int64 position of each max in its input plane, h·W + w.
    """
    owner = "max_pool2d"
    _check_input(input, owner)
    window = pool_window(kernel_size, stride, padding, dilation, owner)
    xp = get_array_module(input.data)
    n, c, h, w = input.shape
    out_hw = window.output_shape(h, w, owner, ceil_mode)
    pads = _pool_padding(window, (h, w), out_hw)
    padded = pad_image(input.data.transpose(0, 2, 3, 1), pads, value=-np.inf)
    first_valid = _first_valid_tap(window, (h, w), out_hw, owner, xp)
    values, argmax = _max_windows(padded, window, out_hw, first_valid)
    out = MaxPool2d.apply(input, values=values, argmax=argmax, window=window, padding=pads)
    if not return_indices:
        return out
    # Tap k of output (y, x) is padded cell (y·S + i·D, x·S + j·D); undo the padding.
    kw = window.kernel[1]
    rows = xp.arange(out_hw[0])[:, None] * window.stride[0] - pads[0]
    cols = xp.arange(out_hw[1])[None, :] * window.stride[1] - pads[2]
    rows = rows[:, :, None] + (argmax // kw).astype(np.int64) * window.dilation[0]
    cols = cols[:, :, None] + (argmax % kw).astype(np.int64) * window.dilation[1]
    return out, Tensor(to_nchw(rows * w + cols))


# ------------------------------------------------------------------------------ avg pooling
def _axis_counts(out: int, size: int, kernel: int, stride: int, pad: int, include_pad: bool, xp):
    """Cells averaged by each window along one axis, PyTorch's rule: padding counts when
    ``include_pad``, the ceil-mode overhang past the padding never does."""
    start = xp.arange(out) * stride - pad
    end = xp.minimum(start + kernel, size + pad)
    if include_pad:
        return end - start
    return xp.minimum(end, size) - xp.maximum(start, 0)


class AvgPool2d(Function):
    """y = (1/d) Σ of each window (d: the divisor);  dL/dx: each cell gets G/d from every
    window that covers it."""

    @staticmethod
    def forward(ctx, x, *, window, out_hw, padding, divisor):
        xp = get_array_module(x)
        padded = pad_image(x.transpose(0, 2, 3, 1), padding)
        total = xp.zeros((x.shape[0], *out_hw, x.shape[1]), dtype=x.dtype)
        for _, i, j in window.taps():
            total += padded[window.offset(i, j, out_hw)]
        total /= divisor
        ctx.window, ctx.padding, ctx.divisor, ctx.x_shape = window, padding, divisor, x.shape
        return to_nchw(total)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        share = channels_last(grad) / ctx.divisor
        n, c, h, w = ctx.x_shape
        top, bottom, left, right = ctx.padding
        padded = xp.zeros((n, h + top + bottom, w + left + right, c), dtype=grad.dtype)
        for _, i, j in ctx.window.taps():
            padded[ctx.window.offset(i, j, share.shape[1:3])] += share
        return to_nchw(unpad_image(padded, ctx.padding, (n, h, w, c)))


def avg_pool2d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over windows of (N, C, H, W) → (N, C, H_out, W_out).

    The divisor is F_h·F_w, or fewer where a window hangs over the edge: padding counts
    unless ``count_include_pad=False``; a ceil-mode overhang past the padding never counts;
    ``divisor_override`` replaces it everywhere.
    """
    owner = "avg_pool2d"
    _check_input(input, owner)
    window = pool_window(kernel_size, stride, padding, 1, owner)
    if divisor_override is not None and (
        not isinstance(divisor_override, int) or divisor_override <= 0
    ):
        raise ValueError(
            f"{owner}: divisor_override must be a positive int, got {divisor_override!r}"
        )
    xp = get_array_module(input.data)
    h, w = input.shape[2:]
    out_hw = window.output_shape(h, w, owner, ceil_mode)
    if divisor_override is not None:
        divisor = float(divisor_override)
    else:
        counts = [
            _axis_counts(o, size, f, s, p, count_include_pad, xp)
            for o, size, f, s, p in zip(
                out_hw, (h, w), window.kernel, window.stride, window.padding[::2]
            )
        ]
        divisor = (counts[0][:, None] * counts[1][None, :])[:, :, None].astype(input.dtype)
    pads = _pool_padding(window, (h, w), out_hw)
    return AvgPool2d.apply(input, window=window, out_hw=out_hw, padding=pads, divisor=divisor)


# ------------------------------------------------------------------------- adaptive pooling
def _bins(in_size: int, out_size: int, xp):
    """Start and end (exclusive) of each of ``out_size`` bins over ``in_size`` cells:
    start = floor(i·L/n), end = ceil((i+1)·L/n)."""
    i = xp.arange(out_size)
    return (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)


def _averaging_matrix(in_size: int, out_size: int, dtype, xp):
    """A (out, in) matrix whose row i averages bin i: adaptive average pooling along one axis
    is a matrix product, and along both axes two (it is separable)."""
    start, end = _bins(in_size, out_size, xp)
    cells = xp.arange(in_size)
    inside = (cells >= start[:, None]) & (cells < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """Y = A_h X A_wᵀ per plane, A the averaging matrices;  dL/dX = A_hᵀ G A_w."""

    @staticmethod
    def forward(ctx, x, *, output_size):
        xp = get_array_module(x)
        rows = _averaging_matrix(x.shape[2], output_size[0], x.dtype, xp)
        cols = _averaging_matrix(x.shape[3], output_size[1], x.dtype, xp)
        ctx.rows, ctx.cols = rows, cols
        return rows @ (x @ cols.T)

    @staticmethod
    def backward(ctx, grad):
        return ctx.rows.T @ (grad @ ctx.cols)


class GlobalAvgPool2d(Function):
    """y[n, c] = mean over H·W of x[n, c] (adaptive pooling to 1x1);  dL/dx = G / (H·W)."""

    @staticmethod
    def forward(ctx, x):
        ctx.x_shape = x.shape
        return x.mean(axis=(2, 3), keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        n, c, h, w = ctx.x_shape
        share = grad.reshape(n, 1, 1, c) / (h * w)
        return to_nchw(xp.broadcast_to(share, (n, h, w, c)))


def _output_size(output_size, input: Tensor, owner: str) -> tuple[int, int]:
    if isinstance(output_size, tuple | list) and len(output_size) == 2:  # None keeps that axis
        output_size = tuple(s if o is None else o for o, s in zip(output_size, input.shape[2:]))
    return pair(output_size, "output_size", owner)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average each of output_size bins of (N, C, H, W) → (N, C, H_out, W_out), whatever H, W.
    Output 1 is global average pooling (the classifier heads of GoogLeNet, ResNet, MobileNet)."""
    owner = "adaptive_avg_pool2d"
    _check_input(input, owner)
    size = _output_size(output_size, input, owner)
    if size == (1, 1):
        return GlobalAvgPool2d.apply(input)
    return AdaptiveAvgPool2d.apply(input, output_size=size)


def _adaptive_max_axis(x, axis: int, out_size: int):
    """Max over the adaptive bins along ``axis``: (values, index along ``axis`` of the max).

    Each bin is gathered to the longest bin's length; the cells beyond a bin's end repeat its
    last cell with -inf so they never win (argmax keeps the first max on ties)."""
    xp = get_array_module(x)
    start, end = _bins(x.shape[axis], out_size, xp)
    reach = start[:, None] + xp.arange(int((end - start).max()))[None, :]  # (out, longest)
    gathered = xp.take(x, xp.minimum(reach, end[:, None] - 1), axis=axis)  # (.., out, L, ..)
    shape = [1] * gathered.ndim
    shape[axis], shape[axis + 1] = reach.shape
    gathered = xp.where((reach < end[:, None]).reshape(shape), gathered, -np.inf)
    picked = xp.argmax(gathered, axis=axis + 1)
    values = xp.take_along_axis(gathered, xp.expand_dims(picked, axis + 1), axis + 1)
    index = picked + start.reshape(shape[: axis + 1] + [1] * (picked.ndim - axis - 1))
    return values.squeeze(axis + 1), index


def _adaptive_max(x, output_size):
    """The max of each adaptive bin and its position h·W + w in the input plane.

    Max is separable: take the max over each column bin of every row, then over each row bin
    of those. Keeping the first row that holds the max, and in it the first column, gives the
    first max in row-major order, PyTorch's choice on ties."""
    xp = get_array_module(x)
    along_w, col = _adaptive_max_axis(x, 3, output_size[1])  # (N, C, H, W_out)
    values, row = _adaptive_max_axis(along_w, 2, output_size[0])  # (N, C, H_out, W_out)
    return values, row * x.shape[3] + xp.take_along_axis(col, row, axis=2)


class AdaptiveMaxPool2d(Function):
    """y = max of each adaptive bin;  dL/dx = G at the cell that was the max.

    Like ``MaxPool2d`` the forward receives the max and its position already found."""

    @staticmethod
    def forward(ctx, x, *, values, positions):
        ctx.positions, ctx.x_shape = positions, x.shape
        return values

    @staticmethod
    def backward(ctx, grad):
        xp = get_array_module(grad)
        n, c, h, w = ctx.x_shape
        out = xp.zeros(n * c * h * w, dtype=grad.dtype)
        planes = xp.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        # NOTE: overlapping bins can pick the same cell twice; add.at sums both gradients.
        xp.add.at(out, (planes + ctx.positions).reshape(-1), grad.reshape(-1))
        return out.reshape(ctx.x_shape)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max of each adaptive bin of (N, C, H, W) → (N, C, H_out, W_out); with
    ``return_indices`` also the int64 position h·W + w of each max in its plane."""
    owner = "adaptive_max_pool2d"
    _check_input(input, owner)
    size = _output_size(output_size, input, owner)
    values, positions = _adaptive_max(input.data, size)
    out = AdaptiveMaxPool2d.apply(input, values=values, positions=positions)
    return (out, Tensor(positions.astype(np.int64))) if return_indices else out
