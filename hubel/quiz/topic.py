"""A topic: a name, what it covers, what to review, and a generator of fresh questions.

A generator is a function ``(dice, level) -> Question``: it draws the numbers of a problem
from ``dice`` so that the problem is well posed (sizes that fit, divisions that are exact
unless flooring is the point), asks the library for the answer and the worked steps, and
returns the question. ``level`` is 1 (easy), 2 (medium) or 3 (hard): harder levels add the
details that trip students up (stride, padding, dilation, flooring, missing biases).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from hubel.quiz.dice import Dice
from hubel.quiz.question import Question

DIFFICULTIES = {"easy": 1, "medium": 2, "hard": 3}


@dataclass(frozen=True)
class Topic:
    """A family of questions.

    Attributes:
        name: what ``--topic`` takes, e.g. ``output-size``.
        title: one line saying what it covers.
        review: where to look when the answers go wrong (a formula, a command).
        generate: ``(dice, level) -> Question``.
    """

    name: str
    title: str
    review: str
    generate: Callable[[Dice, int], Question]

    def ask(self, dice: Dice, level: int) -> Question:
        """A new question of this topic, labelled with the topic's name."""
        return replace(self.generate(dice, level), topic=self.name)
