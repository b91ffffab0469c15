"""``LRScheduler``, the base of every schedule, and the argument checks they share."""

from __future__ import annotations

import math
import numbers
import warnings

from ..optimizer import Optimizer


def positive_int(owner: str, name: str, value) -> int:
    """``value`` as an int, or a ``ValueError`` naming ``owner`` and ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def number(owner: str, name: str, value, low: float = -math.inf, high: float = math.inf):
    """``value`` unchanged if it is a real number in [low, high]; else an error naming it."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{owner}: {name} must be in [{low}, {high}], got {value!r}")
    return value


class LRScheduler:
    """Base class: records the initial rates, counts epochs, writes ``group["lr"]``.

    Subclasses define ``get_lr()``: the rates for epoch ``last_epoch`` (usually from the
    current ``group["lr"]``), and optionally ``_get_closed_form_lr()`` (from ``base_lrs``).
    Pass ``last_epoch`` only when resuming (the groups must then hold ``initial_lr``).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer must be an Optimizer, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no "
                        f"'initial_lr' while resuming with last_epoch={last_epoch}; "
                        f"load the optimizer's state first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the constructor's step sets the epoch-0 rates
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        """The learning rate of each group at epoch ``last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, using the closed form where there is one)
        and write the new rates into the optimizer's groups."""
        if self._step_count == 1 and self.optimizer._step_count == 0:
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(): the first value of "
                "the schedule is skipped. Call optimizer.step() first, then scheduler.step().",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Every attribute but the optimizer (numbers, lists, dicts: ``hb.save`` stores it)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned."""
        self.__dict__.update(state_dict)
