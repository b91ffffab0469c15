"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

from .. import kernels
from ..backend import get_array_module
from .optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    r"""Adam: a step along the running mean of the gradient, scaled per element by the running
    root-mean-square, both bias-corrected for starting at zero.

    For each parameter w with gradient g, at step t = 1, 2, ...::

        g = -g                           if maximize
        g = g + weight_decay · w         (L2, when not decoupled)
        m = β1 m + (1 - β1) g            (first moment)
        v = β2 v + (1 - β2) g²           (second moment)
        v_max = max(v_max, v)  and use v_max for v       if amsgrad
        m̂ = m / (1 - β1^t)
        v̂ = v / (1 - β2^t)
        w = w - lr · m̂ / (√v̂ + ε)

    ``weight_decay`` here adds wd·w to g, the gradient of (wd/2)·||w||², but that is *not*
    equivalent to shrinking the weights: the added term is divided by √v̂ like the rest of the
    gradient, so weights with large gradients are barely decayed. ``AdamW`` (or
    ``decoupled_weight_decay=True``) decays the weights directly instead: w = w - lr·wd·w.

    State per parameter: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq``.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        name = type(self).__name__
        check_non_negative(name, group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not isinstance(beta, numbers.Real) or not 0 <= beta < 1:
                raise ValueError(f"{name}: betas[{i}] must be in [0, 1), got {beta!r}")

    def _update(self, group: dict, state: dict, param, grad) -> None:
        xp = get_array_module(param)
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        fast = kernels.lookup("adam")
        if fast is not None and fast(self._work, group, state, param, grad):
            return
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        v_max = state["max_exp_avg_sq"] if group["amsgrad"] else None
        lr, eps, weight_decay = (float(group[key]) for key in ("lr", "eps", "weight_decay"))
        beta1, beta2 = (float(beta) for beta in group["betas"])
        decoupled = group["decoupled_weight_decay"]
        if decoupled:
            param *= 1 - lr * weight_decay
        g = -grad if group["maximize"] else grad
        if not decoupled and weight_decay != 0:
            g = g + weight_decay * param
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        if v_max is not None:
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        param -= lr * m_hat / (xp.sqrt(v_hat) + eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter): the weights shrink directly.

    Every step, before the Adam update (see ``Adam``, with no L2 term in g)::

        w = w - lr · weight_decay · w

    Unlike L2 regularisation inside Adam, the decay is not divided by √v̂, so every weight
    decays at the same rate lr·wd whatever its gradient history. Default weight_decay = 1e-2.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
