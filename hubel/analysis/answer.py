"""The result of a formula: the value, the formula in symbols, and the worked steps.

Every formula in :mod:`hubel.analysis` answers the way a student writes on paper: the
symbolic formula, then the same line with the numbers put in, then the result, e.g.::

    params = (F_h·F_w·D_in/groups + 1)·K
    params = (7·7·3 + 1)·64 = 9,472

Integers are printed with thousands separators so that large counts can be read at a glance.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A value together with how it was worked out.

    Attributes:
        value: the answer (an int, a float or an ``(H, W)`` pair).
        formula: the formula in the course's symbols, e.g. ``MACs = in·out``.
        steps: the formula with the numbers put in, one line per step, ending in the value.
    """

    value: T
    formula: str
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.steps)


def fmt(number: int) -> str:
    """An integer with thousands separators: ``118013952`` → ``'118,013,952'``."""
    return f"{number:,}"


def fmt_decimal(number: float) -> str:
    """A quotient to two decimals at most: ``110.5`` → ``'110.5'``, ``10/3`` → ``'3.33'``."""
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def product(factors: Iterable[int | str]) -> str:
    """Factors joined by a centred dot, the course's multiplication sign: ``7·7·3·64``."""
    return "·".join(fmt(f) if isinstance(f, int) else f for f in factors)
