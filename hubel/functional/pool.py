"""Pooling: summarise each window of a feature map by its max or its mean.

Fixed windows use the same im2col as convolution (``conv.py``): with every window's cells in
one row, the max of a window is the max of its row, and its argmax is the tap whose cell gets
the whole gradient in backward (col2im puts it back on the image). Average pooling sums the
window's taps, one strided slice per tap. Adaptive pooling picks, for output bin i of n over an
input axis of length L, the cells [floor(i·L/n), ceil((i+1)·L/n)), PyTorch's bins (they overlap
when L/n is not an integer).

This is the reference: ``HUBEL_KERNELS=reference`` runs exactly this code. The fast max pool
(``kernels/pool.py``: a branch-free tournament over channels-last blocks) is tested equal to it.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module, lowest
from ..geometry import Window, first_valid_tap, pair, pool_padding, positive_int
from ..tensor import Tensor
from .conv import col2im, im2col, pad, unpad


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


# ------------------------------------------------------------------------------ max pooling
def window_max(x, window: Window, ceil_mode: bool):
    """The max of every window of (N, C, H, W) and the tap k = i·F_w + j that holds it, both
    (N, H_out, W_out, C), with the windows' cells as (N·H_out·W_out·C, F_h·F_w) rows.

    Padding is -inf, so it never wins. The tap follows PyTorch: the first max on ties, the
    last NaN when the window holds NaNs, the first tap inside the image when all is -inf.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out_hw = window.output_shape(h, w, "max_pool2d", ceil_mode)
    padded = pad(x, pool_padding(window, (h, w), out_hw), lowest(x.dtype))
    cols = im2col(padded, window, out_hw).reshape(n, *out_hw, c, -1)  # (N, H_o, W_o, C, K)
    tap = cols.argmax(axis=-1)  # NOTE: argmax stops at the first NaN; PyTorch takes the last
    nan = xp.isnan(cols)
    if nan.any():
        last_nan = cols.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
        tap = xp.where(nan.any(axis=-1), last_nan, tap)
    values = xp.take_along_axis(cols, tap[..., None], axis=-1)[..., 0]
    first_valid = first_valid_tap(window, (h, w), out_hw, "max_pool2d", xp)
    tap = xp.where(values == -np.inf, first_valid[:, :, None], tap)
    return values, tap, cols.shape


class MaxPool2d(Function):
    """y = max of each window;  dL/dx = G at the one cell that was the max, 0 elsewhere:
    in column form, G times the one-hot row of the max's tap, then col2im."""

    @staticmethod
    def forward(ctx, x, *, window: Window, ceil_mode: bool = False):
        out = kernels.forward(ctx, "max_pool2d", x, window, ceil_mode)
        if out is not None:
            return out
        values, tap, cols_shape = window_max(x, window, ceil_mode)
        ctx.tap, ctx.cols_shape, ctx.window, ctx.x_shape = tap, cols_shape, window, x.shape
        ctx.padding = pool_padding(window, x.shape[2:], values.shape[1:3])
        return values.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        xp = get_array_module(grad)
        n, c, h, w = ctx.x_shape
        top, bottom, left, right = ctx.padding
        one_hot = ctx.tap[..., None] == xp.arange(ctx.cols_shape[-1])  # (N, H_o, W_o, C, K)
        grad_cols = grad.transpose(0, 2, 3, 1)[..., None] * one_hot
        padded_shape = (n, c, h + top + bottom, w + left + right)
        out_hw = ctx.cols_shape[1:3]
        grad_cols = grad_cols.reshape(-1, c * ctx.cols_shape[-1])
        return unpad(col2im(grad_cols, padded_shape, ctx.window, out_hw), ctx.padding, ctx.x_shape)

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: F_h·F_w - 1 comparisons per output value."""
        kernel_h, kernel_w = options["window"].kernel
        return 0, output.numel() * (kernel_h * kernel_w - 1)


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
    h, w = input.shape[2:]
    out_hw = window.output_shape(h, w, owner, ceil_mode)
    first_valid_tap(window, (h, w), out_hw, owner, xp)  # a window that sees only padding
    out = MaxPool2d.apply(input, window=window, ceil_mode=bool(ceil_mode))
    if not return_indices:
        return out
    _, tap, _ = window_max(input.data, window, ceil_mode)
    # Tap k of output (y, x) is padded cell (y·S + i·D, x·S + j·D); undo the padding.
    kw = window.kernel[1]
    rows = xp.arange(out_hw[0])[:, None] * window.stride[0] - window.padding[0]
    cols = xp.arange(out_hw[1])[None, :] * window.stride[1] - window.padding[2]
    rows = rows[:, :, None] + (tap // kw) * window.dilation[0]
    cols = cols[:, :, None] + (tap % kw) * window.dilation[1]
    return out, Tensor((rows * w + cols).astype(np.int64).transpose(0, 3, 1, 2))


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
    """y = (1/d) Σ of each window (d: the divisor), one strided slice per tap;  dL/dx: each
    cell gets G/d from every window that covers it."""

    @staticmethod
    def forward(ctx, x, *, window, out_hw, padding, divisor):
        padded = pad(x, padding)
        total = get_array_module(x).zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
        for _, i, j in window.taps():
            total += padded[(..., *window.tap(i, j, out_hw))]
        ctx.window, ctx.padding, ctx.divisor, ctx.x_shape = window, padding, divisor, x.shape
        ctx.padded_shape = padded.shape
        return total / divisor

    @staticmethod
    def backward(ctx, grad):
        share = grad / ctx.divisor
        grad_padded = get_array_module(grad).zeros(ctx.padded_shape, dtype=grad.dtype)
        for _, i, j in ctx.window.taps():
            grad_padded[(..., *ctx.window.tap(i, j, share.shape[2:]))] += share
        return unpad(grad_padded, ctx.padding, ctx.x_shape)

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: F_h·F_w - 1 adds and a divide per output."""
        kernel_h, kernel_w = options["window"].kernel
        return 0, output.numel() * kernel_h * kernel_w


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
    if divisor_override is not None:
        divisor_override = positive_int(owner, "divisor_override", divisor_override)
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
        divisor = (counts[0][:, None] * counts[1][None, :]).astype(input.dtype)
    pads = pool_padding(window, (h, w), out_hw)
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
        h, w = ctx.x_shape[2:]
        return get_array_module(grad).broadcast_to(grad / (h * w), ctx.x_shape)


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


def adaptive_max(x, output_size):
    """The max of each adaptive bin and its position h·W + w in the input plane.

    Max is separable: take the max over each column bin of every row, then over each row bin
    of those. Keeping the first row that holds the max, and in it the first column, gives the
    first max in row-major order, PyTorch's choice on ties."""
    xp = get_array_module(x)
    along_w, col = _adaptive_max_axis(x, 3, output_size[1])  # (N, C, H, W_out)
    values, row = _adaptive_max_axis(along_w, 2, output_size[0])  # (N, C, H_out, W_out)
    return values, row * x.shape[3] + xp.take_along_axis(col, row, axis=2)


class AdaptiveMaxPool2d(Function):
    """y = max of each adaptive bin;  dL/dx = G at the cell that was the max."""

    @staticmethod
    def forward(ctx, x, *, output_size):
        values, positions = adaptive_max(x, output_size)
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
    out = AdaptiveMaxPool2d.apply(input, output_size=size)
    if not return_indices:
        return out
    return out, Tensor(adaptive_max(input.data, size)[1].astype(np.int64))
