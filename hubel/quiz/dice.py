"""Seeded random draws for the quiz: the same seed gives the same questions, on any Python.

Python promises that ``random.Random(seed).random()`` gives the same sequence in every version,
but not ``randint``, ``choice`` or ``shuffle``, whose algorithms have changed before. So every
draw here is built from ``random()`` alone, and a worksheet printed from ``--seed 7`` today can
be printed again, identical, next year.
"""

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Dice:
    """A seeded source of the few kinds of draws the question generators need."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high``, both included."""
        return low + int(self._random.random() * (high - low + 1))

    def choice(self, items: Sequence[T]) -> T:
        """One of ``items``, each as likely."""
        return items[self.integer(0, len(items) - 1)]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A new list with ``items`` in a random order (Fisher-Yates)."""
        result = list(items)
        for last in range(len(result) - 1, 0, -1):
            other = self.integer(0, last)
            result[last], result[other] = result[other], result[last]
        return result

    def decimal(self, low: float, high: float, places: int) -> float:
        """A number from ``low`` to ``high`` with ``places`` decimals, as in an exercise."""
        steps = round((high - low) * 10**places)
        return round(low + self.integer(0, steps) / 10**places, places)

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self._random.random() < probability
