"""Dropout: during training, zero each activation with probability p and scale the survivors by
1/(1-p) so the expected value is unchanged ("inverted dropout"); at inference, do nothing."""

from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module, get_rng
from ..tensor import Tensor


class Dropout(Function):
    """y = x * m / (1 - p), m_i ~ Bernoulli(1 - p);  dy/dx = m / (1 - p)."""

    @staticmethod
    def forward(ctx, x, p, mask_shape):
        # The mask comes from the global NumPy generator (reproducible under hb.manual_seed)
        # and moves to the input's device.
        keep = get_rng().random(mask_shape, dtype=x.dtype) >= p
        scale = get_array_module(x).asarray(keep.astype(x.dtype) * (1 / (1 - p)))
        ctx.save_for_backward(scale)
        return x * scale

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        return grad * scale


def _check_p(name: str, p) -> float:
    if not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: p is the drop probability and must be in [0, 1], got {p!r}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` (PyTorch's convention: p is the DROP
    probability) and scale the rest by 1/(1-p); the identity when ``training`` is False."""
    p = _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return Dropout.apply(input, p, input.shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability ``p``: neighbouring pixels
    are correlated, so dropping single pixels of a feature map regularises little."""
    p = _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d: expected input of shape (N, C, H, W) or (C, H, W), got {input.shape}"
        )
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    mask_shape = input.shape[:-2] + (1, 1)
    return Dropout.apply(input, p, mask_shape)
