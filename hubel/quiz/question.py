"""A quiz question: what is asked, the expected answer, how close is close enough, the solution.

Four kinds of answer, each checked its own way:

- ``integer``: counts and sizes (parameters, MACs, output widths), checked exactly. A decimal
  like ``110.5`` is read but is wrong: the answer is a whole number (often the point of the
  question: the division floors).
- ``number``: real values (an activation, a probability, an updated weight), accepted within
  the tolerance shown with the question: absolute (``±0.001``) or relative (``within 1%``).
- ``shape``: ``(C, H, W)`` (PyTorch's order, as every hubel command writes it) or ``(N,)``,
  checked exactly, written ``6x28x28`` and the like.
- ``choice``: a letter among the shuffled choices.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hubel.analysis.answer import fmt
from hubel.analysis.shapes import format_shape
from hubel.quiz.answers import UnreadableAnswer, read_letter, read_number, read_shape
from hubel.quiz.wording import decimal_text

INTEGER, NUMBER, SHAPE, CHOICE = "integer", "number", "shape", "choice"
KINDS = (INTEGER, NUMBER, SHAPE, CHOICE)
LETTERS = "abcdefghij"


@dataclass(frozen=True)
class Verdict:
    """Whether an answer is right, and a note on why not (empty when there is nothing to add)."""

    correct: bool
    note: str = ""


@dataclass(frozen=True)
class Question:
    """One question with its answer and its worked solution.

    Attributes:
        prompt: the question as shown to the student.
        kind: ``integer``, ``number``, ``shape`` or ``choice`` (see the module docstring).
        answer: an int, a float, a shape tuple, or the right letter (``'b'``).
        formula: the formula in symbols (or, for a conceptual question, the key idea).
        steps: the formula with the numbers put in, ending in the result (or the explanation).
        tolerance: for numbers, how far an answer may be from ``answer`` and still count.
        relative: the tolerance is a fraction of ``answer`` (0.01 is "within 1%").
        choices: the texts of the choices, in the order shown (a, b, c...).
        problem: the problem's numbers (layer sizes, gradients...), so that a test or a
            teaching assistant can rebuild it and check the answer with real layers.
        topic: the name of the topic it belongs to (set by :class:`hubel.quiz.topic.Topic`).
    """

    prompt: str
    kind: str
    answer: int | float | tuple[int, ...] | str
    formula: str
    steps: tuple[str, ...]
    tolerance: float = 0.0
    relative: bool = False
    choices: tuple[str, ...] = ()
    problem: Mapping[str, Any] = field(default_factory=dict)
    topic: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")
        if self.kind == NUMBER and not self.tolerance > 0:
            raise ValueError(f"tolerance: a number question needs one > 0, got {self.tolerance}")
        if self.kind == CHOICE and self.answer not in LETTERS[: len(self.choices)]:
            raise ValueError(f"answer: expected a letter of the {len(self.choices)} choices")

    @property
    def hint(self) -> str:
        """How to write the answer, and the tolerance, e.g. ``a number, within ±0.001``."""
        if self.kind == INTEGER:
            return "a whole number"
        if self.kind == NUMBER:
            within = f"{self.tolerance:.0%}" if self.relative else f"±{self.tolerance:g}"
            return f"a number, within {within}"
        if self.kind == SHAPE:
            return "a shape, CxHxW" if len(self.answer) == 3 else "a shape"
        return f"a letter, a to {LETTERS[len(self.choices) - 1]}"

    @property
    def shown_answer(self) -> str:
        """The answer as the solution shows it: ``9,472``, ``0.6682``, ``6x28x28``, ``b) ...``."""
        if self.kind == INTEGER:
            return fmt(self.answer)
        if self.kind == NUMBER:
            return format_number(self.answer, self.tolerance, self.relative)
        if self.kind == SHAPE:
            return format_shape(self.answer)
        return f"{self.answer}) {self.choices[LETTERS.index(self.answer)]}"

    def check(self, text: str) -> Verdict:
        """Judge the answer ``text``; raises :class:`UnreadableAnswer` if it cannot be read,
        or if it is a shape with the wrong number of dimensions (``6x6`` for ``6x6x16``)."""
        if self.kind == INTEGER:
            given = read_number(text)
            if given == self.answer:
                return Verdict(True)
            if given != given.to_integral_value():
                return Verdict(False, "the answer is a whole number")
            return Verdict(False)
        if self.kind == NUMBER:
            allowed = self.tolerance * (abs(self.answer) if self.relative else 1)
            # compare in Decimal: float(given) could round an answer just outside to inside
            distance = abs(read_number(text) - Decimal(self.answer))
            return Verdict(distance <= Decimal(allowed))
        if self.kind == SHAPE:
            given = read_shape(text)
            if len(given) != len(self.answer):  # not an attempt at this shape: ask again
                dimensions = f"{len(given)} dimension{'s' * (len(given) != 1)}"
                raise UnreadableAnswer(
                    f"{text.strip()!r} has {dimensions}, the answer has {len(self.answer)} "
                    f"({self.hint}, like {format_shape(tuple(range(1, len(self.answer) + 1)))})"
                )
            return Verdict(given == self.answer)
        return Verdict(read_letter(text, len(self.choices)) == self.answer)


def format_number(value: float, tolerance: float, relative: bool = False) -> str:
    """``value`` to one decimal more than the tolerance needs: ``0.66818`` ±0.001 → ``0.6682``.

    Trailing zeros are dropped (``0.085``, not ``0.08500``); a relative tolerance shows four
    significant digits.
    """
    if relative:
        return f"{value:.4g}"
    return decimal_text(value, max(0, math.ceil(-math.log10(tolerance)) + 1))
