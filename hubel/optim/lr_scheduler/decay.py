"""Schedules that decay the rate by a formula of the epoch: step, multi-step, exponential,
cosine annealing, linear."""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from ..optimizer import Optimizer
from .scheduler import LRScheduler, number, positive_int


class StepLR(LRScheduler):
    """lr = initial_lr · gamma^(epoch // step_size): divide by 1/gamma every step_size epochs."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ):
        self.step_size = positive_int("StepLR", "step_size", step_size)
        self.gamma = number("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = initial_lr · gamma^(number of milestones <= epoch): decay at chosen epochs."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        milestones = list(milestones)
        for m in milestones:
            if not isinstance(m, numbers.Integral) or isinstance(m, bool):
                raise TypeError(f"MultiStepLR: milestones must be ints, got {milestones!r}")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = number("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        # Saved as a plain dict (hb.save keeps no classes); keys may have become strings.
        self.milestones = Counter({int(k): v for k, v in self.milestones.items()})


class ExponentialLR(LRScheduler):
    """lr = initial_lr · gamma^epoch: decay by gamma every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Half a cosine from initial_lr down to eta_min over T_max epochs (SGDR, no restarts)::

        lr(t) = eta_min + (initial_lr - eta_min) · (1 + cos(π t / T_max)) / 2

    Computed as PyTorch does, recursively from the current rate (each step multiplies the
    distance to eta_min by (1 + cos(π t/T_max)) / (1 + cos(π (t-1)/T_max))), which equals the
    closed form above up to rounding; past T_max the rate climbs back along the cosine.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ):
        self.T_max = positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = number("CosineAnnealingLR", "eta_min", eta_min, low=0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:  # resuming: no current rate to start from
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:  # at the bottom, where the ratio below is 0/0
            return [
                lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base, lr in zip(self.base_lrs, self._current_lrs())
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * cosine / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = initial_lr · factor, factor going linearly from start_factor to end_factor over
    total_iters epochs, then held (a warm-up when start_factor < end_factor)."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        if number("LinearLR", "start_factor", start_factor, high=1.0) <= 0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        self.start_factor = start_factor
        self.end_factor = number("LinearLR", "end_factor", end_factor, low=0.0, high=1.0)
        self.total_iters = positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        start, end, total, t = self.start_factor, self.end_factor, self.total_iters, self.last_epoch
        if t == 0:
            return [lr * start for lr in self._current_lrs()]
        if self._is_initial or t > total:
            return self._current_lrs()
        # factor(t) / factor(t-1), with factor(t) = start + (end - start)·t/total
        ratio = 1.0 + (end - start) / (total * start + (t - 1) * (end - start))
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        start, end, total = self.start_factor, self.end_factor, self.total_iters
        factor = start + (end - start) * min(total, self.last_epoch) / total
        return [base * factor for base in self.base_lrs]
