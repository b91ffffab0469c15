"""The fast batch norm: the reference's formula (``functional/norm.py``) rearranged into a few
passes over the data, each split over the threads and walked in cache-sized blocks.

Per-channel sums run over a matrix whose columns are the channels (free for (N, C) input and
for the channels-last feature maps the conv kernel returns: a (N·H·W, C) view), else over
(N, C, H·W); ``einsum`` does each sum, or sum of products, in one pass without temporaries.
For few channels the (M, C) view is read as "wide rows" of about ``WIDE_ROW`` values (``widen``),
so that NumPy runs long inner loops instead of one short loop per pixel. y = x·scale + shift
with per-channel scale = γ/σ and shift = β - μ·scale, PyTorch's CPU kernel's form.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from . import jit, parallel


def _per_channel(x):
    """x as (M, C) when that is free (2-D input, channels-last maps), else (N, C, L); and the
    shape a per-channel vector takes to broadcast against it."""
    channels = x.shape[1]
    moved = x.transpose(0, *range(2, x.ndim), 1)  # np.moveaxis(x, 1, -1), without its checks
    if x.ndim == 2 or moved.flags.c_contiguous:
        return moved.reshape(-1, channels), (channels,)
    return x.reshape(x.shape[0], channels, -1), (channels, 1)


def _like(view, x_shape):
    """Undo ``_per_channel``: the view's values in x's (N, C, ...) shape, without a copy."""
    if view.ndim == 3:
        return view.reshape(x_shape)
    last = len(x_shape) - 1  # np.moveaxis(..., -1, 1), without its checks
    return view.reshape((x_shape[0], *x_shape[2:], x_shape[1])).transpose(0, last, *range(1, last))


def _as_view_of(grad, view):
    """The upstream gradient in the same (M, C) or (N, C, L) form as the input's view."""
    xp = get_array_module(grad)
    if view.ndim == 3:
        return grad.reshape(view.shape)
    return xp.ascontiguousarray(xp.moveaxis(grad, 1, -1)).reshape(view.shape)


WIDE_ROW = 1024  # per-channel passes over (M, C) go in rows of about this many values


def widen(view):
    """An (M, C) view as (M/r, r·C): rows of about ``WIDE_ROW`` values, r a power of two that
    divides M. NumPy pays a fixed cost per row of a broadcast or a reduction, which for C = 32
    is a quarter of the pass: with wide rows (and per-channel vectors tiled r times, ``tile``)
    the same pass runs long inner loops. Returns the wide view and r; (N, C, L) views stay."""
    if view.ndim != 2:
        return view, 1
    m, c = view.shape
    r = 1
    while 2 * r * c <= WIDE_ROW and m % (2 * r) == 0:
        r *= 2
    return view.reshape(m // r, r * c), r


def tile(vector, r):
    """A per-channel vector repeated r times, to broadcast against a ``widen``-ed view."""
    if r == 1:
        return vector
    return get_array_module(vector).tile(vector, r)


def fold(sums, r):
    """Per-channel sums of a ``widen``-ed view: add the r copies of each channel."""
    return sums if r == 1 else sums.reshape(r, -1).sum(axis=0)


def _channel_sum(a, b=None):
    """Σ a (or Σ a·b) per channel, over every axis but the channel axis of the view."""
    xp = get_array_module(a)
    axes = "mc" if a.ndim == 2 else "ncl"
    if b is None:
        return xp.einsum(f"{axes}->c", a)
    return xp.einsum(f"{axes},{axes}->c", a, b)


class Train:
    """Batch norm with the batch's statistics (``functional/norm.py``, ``BatchNormTrain``):
    three blocked passes forward (Σx, Σ(x - μ)², the affine), two backward (Σg and Σg(x - μ),
    then dL/dx in place). Leaves μ_B and σ²_B on ``ctx`` for the running statistics."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        xp = get_array_module(x)
        view, vector = _per_channel(x)
        ctx.compiled = _compiled(view)
        if ctx.compiled is not None:
            return _compiled_forward(ctx, view, x.shape, weight, bias, eps)
        m = view.size // x.shape[1]
        wide, r = widen(view)
        # Each pass runs over shares of the view's first axis on the threads, block by block
        # (parallel.py): partial per-channel sums are added, element-wise results land in
        # disjoint rows, and a block's temporary x - μ never leaves the cache.
        mean = fold(sum(parallel.over_batch(lambda s: _channel_sum(wide[s]), wide)), r) / m
        mean_v = mean.reshape(vector)
        mean_w = tile(mean_v, r)

        def squares(s):
            centered = wide[s] - mean_w
            return _channel_sum(centered, centered)

        var = fold(sum(parallel.over_batch(squares, wide, blocked=True)), r) / m
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        # y = x·scale + shift with shift = β - μ·scale, PyTorch's CPU kernel's form.
        shift = -mean * scale if bias is None else bias - mean * scale
        scale_w, shift_w = tile(scale.reshape(vector), r), tile(shift.reshape(vector), r)
        y = xp.empty(wide.shape, dtype=view.dtype)

        def affine(s):
            xp.multiply(wide[s], scale_w, out=y[s])
            y[s] += shift_w

        parallel.over_batch(affine, y, blocked=True)
        y = y.reshape(view.shape)
        ctx.batch_mean, ctx.batch_var = mean, var
        # Backward needs x - μ: keep x (alive in the graph anyway) and μ, not a centred copy.
        ctx.save_for_backward(view, mean_v, weight, inv_std)
        ctx.x_shape = x.shape
        return _like(y, x.shape)

    @staticmethod
    def backward(ctx, grad):
        view, mean_v, weight, inv_std = ctx.saved_tensors
        xp = get_array_module(grad)
        grad = _as_view_of(grad, view)
        if ctx.compiled is not None:
            return _compiled_backward(ctx, grad, view, mean_v, weight, inv_std)
        vector = mean_v.shape
        m = view.size // view.shape[1]
        wide, r = widen(view)
        grad = grad.reshape(wide.shape)
        mean_w = tile(mean_v, r)

        def sums(s):
            g = grad[s]
            return _channel_sum(g), _channel_sum(g, wide[s] - mean_w)

        parts = parallel.over_batch(sums, grad, blocked=True)
        sum_g = fold(sum(part[0] for part in parts), r)
        sum_g_xhat = fold(sum(part[1] for part in parts), r) * inv_std
        grad_x = None
        if ctx.needs_input_grad[0]:
            # γ/σ · (g - Σg/M - x̂ Σ(g x̂)/M) with x̂ = (x - μ)/σ, block by block in place.
            slope = tile((-inv_std * sum_g_xhat / m).reshape(vector), r)
            mean_g = tile((sum_g / m).reshape(vector), r)
            scale = tile((inv_std if weight is None else weight * inv_std).reshape(vector), r)
            grad_x = xp.empty(wide.shape, dtype=grad.dtype)

            def input_grad(s):
                out = grad_x[s]
                xp.subtract(wide[s], mean_w, out=out)
                out *= slope
                out += grad[s]
                out -= mean_g
                out *= scale

            parallel.over_batch(input_grad, grad_x, blocked=True)
            grad_x = _like(grad_x.reshape(view.shape), ctx.x_shape)
        return grad_x, sum_g_xhat, sum_g


def _compiled(view):
    """The compiled loops (``pointwise_jit.py``) for a float32 (M, C) view of at least
    ``jit.SERIAL_BYTES``, else None."""
    if view.ndim != 2 or type(view).__module__ != "numpy" or view.dtype != np.float32:
        return None
    if not view.flags.c_contiguous or view.shape[0] == 0 or view.nbytes < jit.SERIAL_BYTES:
        return None
    return jit.module("pointwise_jit")


def _compiled_forward(ctx, view, x_shape, weight, bias, eps):
    """``Train.forward`` in two compiled passes: the per-channel sums, then the affine."""
    compiled, (m, c) = ctx.compiled, view.shape
    threads = jit.pass_threads(view.nbytes)
    partial = np.zeros((threads, 2, c))
    jit.run(compiled.channel_sums, view, partial, threads=threads)
    shifted_sum, shifted_squares = partial.sum(axis=0)
    offset = shifted_sum / m  # μ - x₀
    mean = (view[0] + offset).astype(view.dtype)
    var = np.maximum(shifted_squares / m - offset * offset, 0).astype(view.dtype)
    inv_std = 1 / np.sqrt(var + eps)
    scale = (inv_std if weight is None else weight * inv_std).astype(view.dtype)
    beta = np.zeros(c, view.dtype) if bias is None else bias.astype(view.dtype)
    y = np.empty(view.shape, dtype=view.dtype)
    jit.run(compiled.affine, view, mean, scale, beta, y, threads=threads)
    ctx.batch_mean, ctx.batch_var = mean, var
    ctx.save_for_backward(view, mean, weight, inv_std)
    ctx.x_shape = x_shape
    return _like(y, x_shape)


def _compiled_backward(ctx, grad, view, mean, weight, inv_std):
    """``Train.backward`` in two compiled passes: Σg and Σg(x - μ), then dL/dx."""
    compiled, (m, c) = ctx.compiled, view.shape
    grad = np.ascontiguousarray(grad, dtype=view.dtype)
    threads = jit.pass_threads(view.nbytes)
    partial = np.zeros((threads, 2, c))
    jit.run(compiled.grad_sums, grad, view, mean.astype(np.float64), partial, threads=threads)
    sum_g, sum_g_centred = partial.sum(axis=0)
    sum_g = sum_g.astype(view.dtype)
    sum_g_xhat = (sum_g_centred * inv_std).astype(view.dtype)
    grad_x = None
    if ctx.needs_input_grad[0]:
        slope = (-inv_std * sum_g_xhat / m).astype(view.dtype)
        scale = (inv_std if weight is None else weight * inv_std).astype(view.dtype)
        grad_x = np.empty(view.shape, dtype=view.dtype)
        mean_g = (sum_g / m).astype(view.dtype)
        arrays = (grad, view, mean, slope, mean_g, scale, grad_x)
        jit.run(compiled.input_grad, *arrays, threads=threads)
        grad_x = _like(grad_x, ctx.x_shape)
    return grad_x, sum_g_xhat, sum_g


class Eval:
    """Batch norm with the running statistics (``BatchNormEval``): one per-channel scale and
    shift over the (M, C) or (N, C, L) view, no layout copy."""

    @staticmethod
    def forward(ctx, x, weight, bias, mean, var, eps):
        xp = get_array_module(x)
        view, vector = _per_channel(x)
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        shift = -mean * scale if bias is None else bias - mean * scale
        compiled = _compiled(view)
        if compiled is not None and scale.dtype == shift.dtype == view.dtype:
            y = np.empty(view.shape, dtype=view.dtype)
            threads = jit.pass_threads(view.nbytes)
            jit.run(compiled.scale_shift, view, scale, shift, y, threads=threads)
        else:
            y = xp.multiply(view, scale.reshape(vector), out=xp.empty(view.shape, dtype=x.dtype))
            y += shift.reshape(vector)
        ctx.save_for_backward(view, mean, inv_std, scale)
        ctx.x_shape = x.shape
        return _like(y, x.shape)

    @staticmethod
    def backward(ctx, grad):
        view, mean, inv_std, scale = ctx.saved_tensors
        grad = _as_view_of(grad, view)
        vector = (view.shape[1],) + (1,) * (view.ndim - 2)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = _like(grad * scale.reshape(vector), ctx.x_shape)
        grad_w = None
        if ctx.needs_input_grad[1]:
            grad_w = _channel_sum(grad, view - mean.reshape(vector)) * inv_std  # Σ g x̂
        grad_b = _channel_sum(grad) if ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b
