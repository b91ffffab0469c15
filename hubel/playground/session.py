"""What the MLP and CNN sessions share: a step counter, training steps under a step count and
a wall-time budget, a stop on a non-finite loss, seeded batches, and compact arrays for JSON.

Every random draw of step ``t`` comes from the session's seed and ``t`` alone (the batch from a
per-epoch permutation, dropout from ``hb.manual_seed`` reseeded before the step), so a run is
the same whether its steps came one at a time or fifty per request, and whatever other tabs
ran in between: a shared link reproduces it.
"""

from __future__ import annotations

import base64
import math
import time
from abc import ABC, abstractmethod

import numpy as np

from ..backend import manual_seed
from .config import PlaygroundError

MAX_STEPS = 20_000  # a session's whole run; past it a runaway tab stops instead of training on
MAX_STEPS_PER_REQUEST = 100
REQUEST_BUDGET_S = 1.0  # wall time one step request may use before it answers
CURVE_POINTS = 400  # at most this many points of each curve go to the page
INIT_STREAM = 2**32 - 1  # the random stream of the initial weights, apart from every step's


def step_seed(seed: int, step: int) -> int:
    """The seed of step ``step`` of a run seeded ``seed``: independent streams per step."""
    return int(np.random.SeedSequence([seed, step]).generate_state(1)[0])


def batch_indices(seed: int, step: int, count: int, batch_size: int) -> np.ndarray:
    """The training examples of step ``step``: epochs of ``count // batch_size`` batches, each
    epoch a fresh permutation drawn from ``(seed, epoch)`` (the last partial batch dropped)."""
    per_epoch = count // batch_size
    epoch, position = divmod(step, per_epoch)
    order = np.random.default_rng([seed, 1, epoch]).permutation(count)
    return order[position * batch_size : (position + 1) * batch_size]


def encode_map(values: np.ndarray) -> dict:
    """A 2-D array for the page: its range and its values quantised to bytes, base64-encoded,
    row by row: ``value ≈ lo + byte / 255 · (hi − lo)`` (a heat map needs no more precision).
    Non-finite values are sent as ``lo``."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    lo = float(values[finite].min()) if finite.any() else 0.0
    hi = float(values[finite].max()) if finite.any() else 0.0
    scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
    quantised = np.round(np.where(finite, scaled, 0.0) * 255).astype(np.uint8)
    return {
        "lo": lo,
        "hi": hi,
        "rows": int(values.shape[0]),
        "cols": int(values.shape[1]),
        "data": base64.b64encode(quantised.tobytes()).decode("ascii"),
    }


def thin(count: int, limit: int = CURVE_POINTS) -> np.ndarray:
    """At most ``limit`` indices spread evenly over ``range(count)``, the first and last kept."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def finite_or_none(value: float) -> float | None:
    """``value`` for strict JSON: NaN and infinities become None."""
    return float(value) if math.isfinite(value) else None


class TrainingSession(ABC):
    """One tab's run: ``advance(steps)`` trains until ``steps`` are done, the request's wall
    time is spent, the run's step cap is reached or the loss is no longer finite (``stopped``
    then says why, and no further step is taken until a reset).

    A subclass builds its model and data from ``settings`` and implements ``train_step(step)``
    (one update; returns the batch loss before the update, without applying the update when
    that loss is not finite) and ``state()`` (everything the page draws, as JSON).
    """

    diverged_advice = "lower the learning rate, or reset"

    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.seed = settings["seed"]
        self.step = 0
        self.stopped: str | None = None
        manual_seed(step_seed(self.seed, INIT_STREAM))  # the subclass builds its model next

    @abstractmethod
    def train_step(self, step: int) -> float:
        """One update on step ``step``'s batch; the batch loss before the update."""

    @abstractmethod
    def state(self) -> dict:
        """Everything the page draws, as JSON-ready values."""

    def advance(self, steps: int, budget_s: float = REQUEST_BUDGET_S) -> int:
        """Up to ``steps`` training steps (1..MAX_STEPS_PER_REQUEST); returns how many ran."""
        if isinstance(steps, bool) or not isinstance(steps, int):
            raise PlaygroundError(f"steps: expected an integer, got {steps!r}")
        if not 1 <= steps <= MAX_STEPS_PER_REQUEST:
            raise PlaygroundError(
                f"steps: expected an integer in [1, {MAX_STEPS_PER_REQUEST}], got {steps}"
            )
        deadline = time.monotonic() + budget_s
        done = 0
        while done < steps and self.stopped is None:
            if self.step >= MAX_STEPS:
                self.stopped = (
                    f"stopped at the playground's limit of {MAX_STEPS:,} steps per run; "
                    "reset to start again"
                )
                break
            manual_seed(step_seed(self.seed, self.step))
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                loss = self.train_step(self.step)
            if not math.isfinite(loss):
                self.stopped = (
                    f"diverged at step {self.step + 1}: the loss is {loss}; {self.diverged_advice}"
                )
                break
            self.step += 1
            done += 1
            if time.monotonic() > deadline:
                break
        return done
