"""The 1cycle policy: warm up, then anneal, with momentum moving the other way."""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .scheduler import LRScheduler, number, positive_int


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith): warm up from max_lr/div_factor to max_lr over pct_start of
    the steps, then anneal to initial_lr/final_div_factor; momentum (or Adam's beta1) moves
    the opposite way between max_momentum and base_momentum. Step it once per batch.

    ``anneal_strategy``: "cos" (start + (end - start)·(1 - cos(π·pct))/2) or "linear".
    ``three_phase``: warm up, come back down to initial_lr symmetrically, then annihilate.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"OneCycleLR: optimizer must be an Optimizer, got {type(optimizer).__name__}"
            )
        if total_steps is not None:
            self.total_steps = positive_int("OneCycleLR", "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = positive_int("OneCycleLR", "epochs", epochs) * positive_int(
                "OneCycleLR", "steps_per_epoch", steps_per_epoch
            )
        else:
            raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
        number("OneCycleLR", "pct_start", pct_start, low=0.0, high=1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.anneal_strategy = anneal_strategy
        # Each phase runs until end_step, moving lr and momentum between the groups' entries.
        warm_end, last = float(pct_start * self.total_steps) - 1, self.total_steps - 1
        if three_phase:
            self._schedule_phases = [
                _phase(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(2 * warm_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                _phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group, top in zip(groups, self._per_group("max_lr", max_lr, groups)):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"OneCycleLR: cycle_momentum=True needs an optimizer with "
                    f"momentum or betas, got {type(optimizer).__name__}"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            highs = self._per_group("max_momentum", max_momentum, groups)
            lows = self._per_group("base_momentum", base_momentum, groups)
            if last_epoch == -1:
                for group, high, low in zip(groups, highs, lows):
                    if self.use_beta1:
                        group["betas"] = (high, *group["betas"][1:])
                    else:
                        group["momentum"] = high
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _per_group(name: str, value, groups: list) -> list:
        if isinstance(value, list | tuple):
            if len(value) != len(groups):
                raise ValueError(
                    f"OneCycleLR: {name} has {len(value)} values for {len(groups)} parameter groups"
                )
            return list(value)
        return [value] * len(groups)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    break
                start_step = end_step
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                momentum = self._anneal(
                    group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                )
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


def _phase(
    end_step: float, start_lr: str, end_lr: str, start_momentum: str, end_momentum: str
) -> dict:
    """One phase of the cycle: which group entries lr and momentum move between."""
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_momentum,
        "end_momentum": end_momentum,
    }
