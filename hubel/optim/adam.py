"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

from ..backend import get_array_module
from .optimizer import Optimizer, check_non_negative, gradient


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
        t = state["step"]
        lr, eps, weight_decay = (
            float(group["lr"]),
            float(group["eps"]),
            float(group["weight_decay"]),
        )
        beta1, beta2 = (float(beta) for beta in group["betas"])
        decoupled = group["decoupled_weight_decay"]
        step_size = lr / (1 - beta1**t)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        # lr·m̂/(√v̂ + ε) = step_size·m / (√v/√bc2 + ε) = (step_size·√bc2)·m / (√v + ε·√bc2):
        # the same step with the constants folded, one pass over the arrays fewer.
        scale, eps_hat = step_size * bias_correction2_sqrt, eps * bias_correction2_sqrt
        max_exp_avg_sq = state.get("max_exp_avg_sq") if group["amsgrad"] else None
        blocks = self._blocks(param, grad, state["exp_avg"], state["exp_avg_sq"], max_exp_avg_sq)
        for w, g, m, v, v_max, work, tmp in blocks:
            if decoupled and weight_decay != 0:
                w *= 1 - lr * weight_decay
            g = gradient(w, g, 0.0 if decoupled else weight_decay, group["maximize"], out=work)
            # m = m + (1 - β1)(g - m), PyTorch's lerp: the same as β1 m + (1 - β1) g.
            xp.subtract(g, m, out=tmp)
            tmp *= 1 - beta1
            m += tmp
            v *= beta2
            xp.multiply(g, 1 - beta2, out=tmp)
            tmp *= g
            v += tmp
            if v_max is not None:
                xp.maximum(v_max, v, out=v_max)
                v = v_max
            xp.sqrt(v, out=tmp)
            tmp += eps_hat
            xp.divide(m, tmp, out=tmp)
            tmp *= scale
            w -= tmp


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
