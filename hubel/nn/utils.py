"""Gradient clipping, as ``torch.nn.utils``: call between ``backward()`` and ``step()``.

Gradients may share memory (the engine hands out arrays that other code can hold), so clipping
never scales an array in place: each clipped parameter gets a new ``.grad`` tensor.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor


def _grads(parameters) -> list[Tensor]:
    """The parameters that have a gradient (a single tensor is accepted too)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _vector_norm(array, norm_type: float):
    """||x||_p over all elements: (Σ |x|^p)^(1/p); max |x| for p = inf."""
    return get_array_module(array).linalg.norm(array.reshape(-1), ord=norm_type)


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Rescale all gradients together so that their joint norm is at most ``max_norm``.

    total = ||(||g_1||_p, ..., ||g_n||_p)||_p, the p-norm of all gradients seen as one vector;
    if total > max_norm every gradient is multiplied by max_norm / (total + 1e-6), so the
    direction of the whole update is kept and only its length capped (the remedy for exploding
    gradients in RNNs). Returns ``total``, measured before clipping, as a 0-d tensor.
    ``error_if_nonfinite`` raises when it is NaN or infinite (otherwise, as in PyTorch, the
    gradients become NaN or zero).
    """
    if not isinstance(max_norm, numbers.Real) or isinstance(max_norm, bool) or max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0, got {max_norm!r}")
    if not isinstance(norm_type, numbers.Real) or isinstance(norm_type, bool):
        raise TypeError(
            f"clip_grad_norm_: norm_type must be a number or math.inf, got {norm_type!r}"
        )
    params = _grads(parameters)
    if not params:
        return Tensor(np.zeros((), dtype=np.float32))
    norm_type = float(norm_type)
    xp = get_array_module(params[0].grad.data)
    norms = xp.stack([_vector_norm(p.grad.data, norm_type) for p in params])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{float(total)}, so they cannot be clipped; set error_if_nonfinite=False to "
            f"clip anyway (the gradients then become NaN or zero)"
        )
    coefficient = float(max_norm) / (float(total) + 1e-6)
    if not coefficient >= 1.0:  # also scales by NaN when the norm is NaN, as PyTorch does
        for p in params:
            p.grad = Tensor(p.grad.data * coefficient)
    return Tensor(xp.asarray(total, dtype=params[0].grad.data.dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] (new ``.grad`` tensors)."""
    if not isinstance(clip_value, numbers.Real) or isinstance(clip_value, bool) or clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be a number >= 0, got {clip_value!r}")
    clip_value = float(clip_value)
    for p in _grads(parameters):
        p.grad = Tensor(get_array_module(p.grad.data).clip(p.grad.data, -clip_value, clip_value))
