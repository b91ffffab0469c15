"""The fast max pool: the reference's max over each window (``functional/pool.py``) on
channels-last memory, branch-free, over shares of the images in cache-sized blocks.

2x2 windows (every CNN's downsampling) go as a tournament of pairs: 3 maxima and 3 comparisons,
the tap index in uint8 arithmetic; other windows one tap at a time. Ties go to the first max,
NaNs to the last NaN, all -inf windows to their first tap inside the image, as PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, lowest
from ..geometry import Window, channels_last, first_valid_tap, pool_padding, to_nchw
from . import jit, parallel
from .window import cells, pad_image, unpad_image


def forward(ctx, x, window: Window, ceil_mode: bool):
    """The (N, C, H_out, W_out) maxima (an NCHW view of channels-last memory)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out_hw = window.output_shape(h, w, "max_pool2d", ceil_mode)
    pads = pool_padding(window, (h, w), out_hw)
    ctx.compiled = _compiled(x)
    if ctx.compiled is not None:
        return _compiled_forward(ctx, x, window, out_hw, pads)
    padded = pad_image(x.transpose(0, 2, 3, 1), pads, value=lowest(x.dtype))
    first_valid = first_valid_tap(window, (h, w), out_hw, "max_pool2d", xp)
    values, argmax = _max_windows(padded, window, out_hw, first_valid)
    ctx.argmax, ctx.window, ctx.padding, ctx.x_shape = argmax, window, pads, x.shape
    return to_nchw(values)


def backward(ctx, grad):
    """dL/dx: each window's gradient written (or added, where windows overlap) to its max."""
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
    if getattr(ctx, "compiled", None) is not None:
        return _compiled_backward(ctx, grad, disjoint, tiled)
    padded = (xp.empty if tiled else xp.zeros)(padded_shape, dtype=grad.dtype)

    def share(s):
        g, arg = grad[s], argmax[s]
        for k, i, j in window.taps():
            under = padded[s][cells(window, i, j, out_hw)]
            if disjoint:
                xp.multiply(g, arg == k, out=under)
            else:
                under += g * (arg == k)

    parallel.over_batch(share, padded, blocked=True)
    return to_nchw(unpad_image(padded, ctx.padding, (n, h, w, c)))


def _compiled(x):
    """The compiled loops (``pool_jit.py``) for a NumPy float32/float64 input of at least
    ``jit.SERIAL_BYTES`` when they are in force, else None."""
    if type(x).__module__ != "numpy" or x.dtype not in (np.float32, np.float64):
        return None
    if x.nbytes < jit.SERIAL_BYTES or x.size == 0:
        return None
    return jit.module("pool_jit")


def _compiled_forward(ctx, x, window: Window, out_hw, pads):
    """The maxima and their taps in one compiled pass over x's own memory (no padded copy)."""
    n, c = x.shape[:2]
    values = np.empty((n, *out_hw, c), dtype=x.dtype)
    argmax = np.empty(values.shape, dtype=np.min_scalar_type(window.kernel[0] * window.kernel[1]))
    geometry = (*window.kernel, *window.stride, *window.dilation, pads[0], pads[2])
    threads = jit.pass_threads(x.nbytes)
    jit.run(
        ctx.compiled.max_forward,
        x.transpose(0, 2, 3, 1),
        values,
        argmax,
        *geometry,
        threads=threads,
    )
    ctx.argmax, ctx.window, ctx.padding, ctx.x_shape = argmax, window, pads, x.shape
    return to_nchw(values)


def _compiled_backward(ctx, grad, disjoint: bool, tiled: bool):
    n, c, h, w = ctx.x_shape
    out = (np.empty if tiled else np.zeros)((n, h, w, c), dtype=grad.dtype)
    window, pads = ctx.window, ctx.padding
    geometry = (*window.kernel, *window.stride, *window.dilation, pads[0], pads[2])
    threads = jit.pass_threads(out.nbytes)
    jit.run(
        ctx.compiled.max_backward, grad, ctx.argmax, out, *geometry, not disjoint, threads=threads
    )
    return to_nchw(out)


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
        taps = [(k, padded[s][cells(window, i, j, out_hw)]) for k, i, j in window.taps()]
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
