"""Normalisation: batch norm (one op, a closed-form backward) and local response norm.

Batch norm, training: normalise each channel with the batch's own mean and (biased) variance,
then scale by gamma and shift by beta; update the running averages (with the unbiased variance,
as PyTorch). Inference: use the running averages instead, so the output does not depend on the
batch.

This is the reference: ``HUBEL_KERNELS=reference`` runs exactly this code. The fast kernels
(``kernels/norm.py``: blocked passes over channels-last "wide rows") are tested equal to it.
"""

from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from ..geometry import positive_int
from ..tensor import Tensor


def _channel_axes(x):
    """Every axis but the channel axis 1, and the shape (1, C, 1, ...) of a per-channel vector."""
    return (0, *range(2, x.ndim)), (1, x.shape[1]) + (1,) * (x.ndim - 2)


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
        y = kernels.forward(ctx, "batch_norm", x, weight, bias, eps)
        if y is None:
            axes, vector = _channel_axes(x)
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # biased: divide by M
            inv_std = 1 / get_array_module(x).sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            y = x_hat if weight is None else weight.reshape(vector) * x_hat
            y = y if bias is None else y + bias.reshape(vector)
            ctx.save_for_backward(x_hat, weight, inv_std)
            ctx.batch_mean, ctx.batch_var = mean.reshape(-1), var.reshape(-1)
        if running_mean is not None:
            m = x.size // x.shape[1]
            running_mean *= 1 - momentum
            running_mean += momentum * ctx.batch_mean.astype(running_mean.dtype, copy=False)
            running_var *= 1 - momentum
            # The unbiased variance, σ²_B·M/(M - 1), as PyTorch keeps it.
            batch_var = ctx.batch_var.astype(running_var.dtype, copy=False)
            running_var += (momentum * m / (m - 1)) * batch_var
        return y

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        x_hat, weight, inv_std = ctx.saved_tensors
        axes, vector = _channel_axes(grad)
        m = grad.size // grad.shape[1]
        sum_g = grad.sum(axis=axes, keepdims=True)
        sum_g_x_hat = (grad * x_hat).sum(axis=axes, keepdims=True)
        scale = inv_std if weight is None else weight.reshape(vector) * inv_std
        grad_x = scale * (grad - sum_g / m - x_hat * sum_g_x_hat / m)
        return grad_x, sum_g_x_hat.reshape(-1), sum_g.reshape(-1)

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: 2 per value, y = a·x + b per channel."""
        return 0, 2 * output.numel()


class BatchNormEval(Function):
    """y = γ (x - running_mean) / sqrt(running_var + ε) + β: a fixed per-channel scale and
    shift, so dL/dx = g · γ / sqrt(running_var + ε), dL/dγ = Σ g x̂, dL/dβ = Σ g."""

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, var, eps):
        y = kernels.forward(ctx, "batch_norm_eval", x, weight, bias, mean, var, eps)
        if y is not None:
            return y
        _, vector = _channel_axes(x)
        inv_std = 1 / get_array_module(x).sqrt(var.reshape(vector) + eps)
        x_hat = (x - mean.reshape(vector)) * inv_std
        y = x_hat if weight is None else weight.reshape(vector) * x_hat
        ctx.save_for_backward(x_hat, weight, inv_std)
        return y if bias is None else y + bias.reshape(vector)

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        x_hat, weight, inv_std = ctx.saved_tensors
        axes, vector = _channel_axes(grad)
        scale = inv_std if weight is None else weight.reshape(vector) * inv_std
        return grad * scale, (grad * x_hat).sum(axis=axes), grad.sum(axis=axes)

    cost = BatchNormTrain.cost


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

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: per value, ``size`` squares and size - 1 adds
        over the channel window, then ·α/n, + k, ^β and a divide."""
        return 0, (2 * options["size"] + 3) * output.numel()


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
    size = positive_int("local_response_norm", "size", size)
    return LocalResponseNorm.apply(input, size=size, alpha=alpha, beta=beta, k=k)
