"""RMSprop, as ``torch.optim.RMSprop``."""

from __future__ import annotations

from collections.abc import Iterable

from .. import kernels
from ..backend import get_array_module
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    r"""RMSprop (Hinton): divide the gradient by a running root-mean-square of its recent values.

    For each parameter w with gradient g, every step::

        g = -g                                if maximize
        g = g + weight_decay · w              (L2 regularisation)
        v = α v + (1 - α) g²                  (square_avg)
        ḡ = α ḡ + (1 - α) g,  v' = v - ḡ²     if centered (variance instead of second moment)
        d = √v' + ε   (√v + ε when not centered)
        b = momentum · b + g / d,  w = w - lr · b     if momentum > 0
        w = w - lr · g / d                             otherwise

    ``weight_decay`` adds the gradient of (wd/2)·||w||² to g, so, as in Adam, it is divided by
    the running RMS too. Note that ε is added outside the square root and there is no bias
    correction (unlike Adam), as in PyTorch; α here is Hinton's decay rate.

    State per parameter: ``step``, ``square_avg`` (v), ``momentum_buffer`` (b) when
    momentum > 0, ``grad_avg`` (ḡ) when centered.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        check_non_negative("RMSprop", group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _update(self, group: dict, state: dict, param, grad) -> None:
        xp = get_array_module(param)
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        fast = kernels.lookup("rmsprop")
        if fast is not None and fast(self._work, group, state, param, grad):
            return
        lr, alpha, eps, weight_decay = (
            float(group[key]) for key in ("lr", "alpha", "eps", "weight_decay")
        )
        v = state["square_avg"]
        b = state["momentum_buffer"] if momentum > 0 else None
        g_avg = state["grad_avg"] if group["centered"] else None
        g = -grad if group["maximize"] else grad
        if weight_decay != 0:
            g = g + weight_decay * param
        v *= alpha
        v += (1 - alpha) * g * g
        if g_avg is not None:
            g_avg *= alpha
            g_avg += (1 - alpha) * g
            d = xp.sqrt(v - g_avg * g_avg) + eps
        else:
            d = xp.sqrt(v) + eps
        if b is not None:
            b *= momentum
            b += g / d
            param -= lr * b
        else:
            param -= lr * g / d
