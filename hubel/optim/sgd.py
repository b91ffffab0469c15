"""Stochastic gradient descent, with momentum (heavy ball or Nesterov), as ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Iterable

from .. import kernels
from ..backend import get_array_module
from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum.

    For each parameter w with gradient g, every step::

        g = -g                                    if maximize
        g = g + weight_decay · w                  (L2 regularisation)
        b = g                                     on the first step, then
        b = momentum · b + (1 - dampening) · g    (the velocity, when momentum > 0)
        g = g + momentum · b   if nesterov, else  g = b
        w = w - lr · g

    ``weight_decay`` is exactly L2 regularisation here: (wd/2)·||w||² added to the loss has
    gradient wd·w, which is what is added to g. (For Adam the two differ; see ``AdamW``.)
    Note PyTorch's convention: lr multiplies the velocity, not the gradient inside it, and the
    first velocity is g itself (no dampening).

    State per parameter: ``momentum_buffer`` (b), only when momentum > 0.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        check_non_negative("SGD", group, "lr", "momentum", "dampening", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(self, group: dict, state: dict, param, grad) -> None:
        momentum = float(group["momentum"])
        first = momentum != 0 and "momentum_buffer" not in state
        if first:
            state["momentum_buffer"] = get_array_module(param).empty_like(param)
        fast = kernels.lookup("sgd")
        if fast is not None and fast(self._work, group, state, param, grad, first):
            return
        lr, dampening = float(group["lr"]), float(group["dampening"])
        weight_decay, b = float(group["weight_decay"]), state.get("momentum_buffer")
        g = -grad if group["maximize"] else grad
        if weight_decay != 0:
            g = g + weight_decay * param
        if momentum != 0:
            b[...] = g if first else momentum * b + (1 - dampening) * g
            g = g + momentum * b if group["nesterov"] else b
        param -= lr * g
