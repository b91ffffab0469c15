"""Normalisation: batch norm (fused: one op, a closed-form backward) and local response norm.

Batch norm, training: normalise each channel with the batch's own mean and (biased) variance,
then scale by gamma and shift by beta; update the running averages (with the unbiased variance,
as PyTorch). Inference: use the running averages instead, so the output does not depend on the
batch. Either way it is one per-channel scale and shift, y = x·scale + shift.

Speed: per-channel sums run over a matrix whose columns are the channels (free for (N, C) input
and for the channels-last feature maps that conv returns: a (N·H·W, C) view), else over
(N, C, H·W); ``einsum`` does each sum, or sum of products, in one pass without temporaries.
"""

from __future__ import annotations

import numbers

from .. import parallel
from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor


def _per_channel(x):
    """x as (M, C) when that is free (2-D input, channels-last maps), else (N, C, L); and the
    shape a per-channel vector takes to broadcast against it."""
    xp = get_array_module(x)
    channels = x.shape[1]
    moved = xp.moveaxis(x, 1, -1)
    if x.ndim == 2 or moved.flags.c_contiguous:
        return moved.reshape(-1, channels), (channels,)
    return x.reshape(x.shape[0], channels, -1), (channels, 1)


def _like(view, x_shape):
    """Undo ``_per_channel``: the view's values in x's (N, C, ...) shape, without a copy."""
    xp = get_array_module(view)
    if view.ndim == 3:
        return view.reshape(x_shape)
    return xp.moveaxis(view.reshape((x_shape[0], *x_shape[2:], x_shape[1])), -1, 1)


def _as_view_of(grad, view):
    """The upstream gradient in the same (M, C) or (N, C, L) form as the input's view."""
    xp = get_array_module(grad)
    if view.ndim == 3:
        return grad.reshape(view.shape)
    return xp.ascontiguousarray(xp.moveaxis(grad, 1, -1)).reshape(view.shape)


WIDE_ROW = 1024  # per-channel passes over (M, C) go in rows of about this many values


def _widen(view):
    """An (M, C) view as (M/r, r·C): rows of about ``WIDE_ROW`` values, r a power of two that
    divides M. NumPy pays a fixed cost per row of a broadcast or a reduction, which for C = 32
    is a quarter of the pass: with wide rows (and per-channel vectors tiled r times, ``_tile``)
    the same pass runs long inner loops. Returns the wide view and r; (N, C, L) views stay."""
    if view.ndim != 2:
        return view, 1
    m, c = view.shape
    r = 1
    while 2 * r * c <= WIDE_ROW and m % (2 * r) == 0:
        r *= 2
    return view.reshape(m // r, r * c), r


def _tile(vector, r):
    """A per-channel vector repeated r times, to broadcast against a ``_widen``-ed view."""
    if r == 1:
        return vector
    return get_array_module(vector).tile(vector, r)


def _fold(sums, r):
    """Per-channel sums of a ``_widen``-ed view: add the r copies of each channel."""
    return sums if r == 1 else sums.reshape(r, -1).sum(axis=0)


def _channel_sum(a, b=None):
    """Σ a (or Σ a·b) per channel, over every axis but the channel axis of the view."""
    xp = get_array_module(a)
    axes = "mc" if a.ndim == 2 else "ncl"
    if b is None:
        return xp.einsum(f"{axes}->c", a)
    return xp.einsum(f"{axes},{axes}->c", a, b)


class BatchNormTrain(Function):
    """x̂ = (x - μ_B) / sqrt(σ²_B + ε),  y = γ x̂ + β, with μ_B, σ²_B over every axis but C.

    With M values per channel and g = dL/dy:
      dL/dβ = Σ g,   dL/dγ = Σ g x̂,
      dL/dx = γ / sqrt(σ²_B + ε) · (g - Σg / M - x̂ · Σ(g x̂) / M)
    (the last two terms are the batch statistics' own dependence on x). The forward also
    updates the running statistics in place, as PyTorch's kernel does.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, *, eps, running_mean=None, running_var=None, momentum=0.1):
        xp = get_array_module(x)
        view, vector = _per_channel(x)
        m = view.size // x.shape[1]
        wide, r = _widen(view)
        # Each pass runs over shares of the view's first axis on the threads, block by block
        # (parallel.py): partial per-channel sums are added, element-wise results land in
        # disjoint rows, and a block's temporary x - μ never leaves the cache.
        mean = _fold(sum(parallel.over_batch(lambda s: _channel_sum(wide[s]), wide)), r) / m
        mean_v = mean.reshape(vector)
        mean_w = _tile(mean_v, r)

        def squares(s):
            centered = wide[s] - mean_w
            return _channel_sum(centered, centered)

        var = _fold(sum(parallel.over_batch(squares, wide, blocked=True)), r) / m
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        # y = x·scale + shift with shift = β - μ·scale, PyTorch's CPU kernel's form.
        shift = -mean * scale if bias is None else bias - mean * scale
        scale_w, shift_w = _tile(scale.reshape(vector), r), _tile(shift.reshape(vector), r)
        y = xp.empty(wide.shape, dtype=view.dtype)

        def affine(s):
            xp.multiply(wide[s], scale_w, out=y[s])
            y[s] += shift_w

        parallel.over_batch(affine, y, blocked=True)
        y = y.reshape(view.shape)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean.astype(running_mean.dtype, copy=False)
            running_var *= 1 - momentum
            running_var += (momentum * m / (m - 1)) * var.astype(running_var.dtype, copy=False)
        # Backward needs x - μ: keep x (alive in the graph anyway) and μ, not a centred copy.
        ctx.save_for_backward(view, mean_v, weight, inv_std)
        ctx.x_shape = x.shape
        return _like(y, x.shape)

    @staticmethod
    def backward(ctx, grad):
        view, mean_v, weight, inv_std = ctx.saved_tensors
        xp = get_array_module(grad)
        grad = _as_view_of(grad, view)
        vector = mean_v.shape
        m = view.size // view.shape[1]
        wide, r = _widen(view)
        grad = grad.reshape(wide.shape)
        mean_w = _tile(mean_v, r)

        def sums(s):
            g = grad[s]
            return _channel_sum(g), _channel_sum(g, wide[s] - mean_w)

        parts = parallel.over_batch(sums, grad, blocked=True)
        sum_g = _fold(sum(part[0] for part in parts), r)
        sum_g_xhat = _fold(sum(part[1] for part in parts), r) * inv_std
        grad_x = None
        if ctx.needs_input_grad[0]:
            # γ/σ · (g - Σg/M - x̂ Σ(g x̂)/M) with x̂ = (x - μ)/σ, block by block in place.
            slope = _tile((-inv_std * sum_g_xhat / m).reshape(vector), r)
            mean_g = _tile((sum_g / m).reshape(vector), r)
            scale = _tile((inv_std if weight is None else weight * inv_std).reshape(vector), r)
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


class BatchNormEval(Function):
    """y = γ (x - running_mean) / sqrt(running_var + ε) + β: a fixed per-channel scale and
    shift, so dL/dx = g · γ / sqrt(running_var + ε)."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, var, eps):
        xp = get_array_module(x)
        view, vector = _per_channel(x)
        inv_std = 1 / xp.sqrt(var + eps)
        scale = inv_std if weight is None else weight * inv_std
        shift = -mean * scale if bias is None else bias - mean * scale
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


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over the channel axis 1 of (N, C) or (N, C, H, W, ...) input.

    In training (or without running statistics) it uses the batch statistics and, when running
    statistics are given, updates them in place:
    running = (1 - momentum) * running + momentum * batch (momentum=None: cumulative average is
    the caller's job; pass the factor as ``momentum``). The running variance uses the unbiased
    batch variance (divide by M - 1), the normalisation the biased one, exactly as PyTorch.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (channels,):
            raise ValueError(
                f"batch_norm: expected {name} of shape ({channels},) for input {input.shape} "
                f"(C = {channels}), got {t.shape}"
            )
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if training or running_mean is None:
        if training and input.data.size // channels <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"{input.shape}; use a batch of at least 2 or call model.eval()"
            )
        update = training and running_mean is not None
        return BatchNormTrain.apply(
            input,
            weight,
            bias,
            eps=eps,
            running_mean=running_mean.data if update else None,
            running_var=running_var.data if update else None,
            momentum=0.1 if momentum is None else momentum,
        )
    return BatchNormEval.apply(
        input, weight, bias, mean=running_mean.data, var=running_var.data, eps=eps
    )


# ------------------------------------------------------------------ local response norm
def _channel_window_sum(a, before: int, after: int):
    """s[:, c] = Σ a[:, c'] for c' in [c - before, c + after], zero beyond the edges: one
    shifted add per offset of the window (its size is small: 5 in AlexNet)."""
    xp = get_array_module(a)
    total = xp.zeros_like(a)
    channels = a.shape[1]
    for shift in range(-before, after + 1):
        lo, hi = max(0, -shift), min(channels, channels - shift)
        if lo < hi:
            total[:, lo:hi] += a[:, lo + shift : hi + shift]
    return total


class LocalResponseNorm(Function):
    """y_c = x_c / d_c^β,  d_c = k + (α/n) Σ_{c' ∈ window(c)} x_c'²  (AlexNet's normalisation
    across n neighbouring channels, window(c) = [c - n//2, c + (n-1)//2], zero-padded).

    dL/dx_j = g_j d_j^-β - (2αβ/n) x_j Σ_{c: j ∈ window(c)} g_c x_c d_c^(-β-1).
    """

    @staticmethod
    def forward(ctx, x, *, size, alpha, beta, k):
        d = k + (alpha / size) * _channel_window_sum(x * x, size // 2, (size - 1) // 2)
        d_pow = d**-beta
        ctx.save_for_backward(x, d, d_pow)
        ctx.size, ctx.alpha, ctx.beta = size, alpha, beta
        return x * d_pow

    @staticmethod
    def backward(ctx, grad):
        x, d, d_pow = ctx.saved_tensors
        n = ctx.size
        # The channels whose window holds j are [j - (n-1)//2, j + n//2]: the mirrored window.
        back = _channel_window_sum(grad * x * d_pow / d, (n - 1) // 2, n // 2)
        return grad * d_pow - (2 * ctx.alpha * ctx.beta / n) * x * back


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """Normalise (N, C, ...) input across ``size`` neighbouring channels, as
    ``torch.nn.functional.local_response_norm``: y = x / (k + α/n Σ x²)^β."""
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected input of shape (N, C, H, W) or (N, C, L), got "
            f"{input.shape}"
        )
    if not isinstance(size, numbers.Integral) or isinstance(size, bool) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    return LocalResponseNorm.apply(input, size=int(size), alpha=alpha, beta=beta, k=k)
