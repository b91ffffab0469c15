"""Reading a student's answer: numbers, shapes and letters, written the ways people write them.

Numbers (whole or decimal):
    ``9472``, ``9,472``, ``9_472`` or ``9 472`` (one kind of separator, in groups of three),
    ``1.2e6``, ``-0.25``, ``.5``, ``12.5%`` (= 0.125) and fractions like ``1/8`` or ``3/0.8``.
Shapes:
    ``28x28x6``, ``28×28×6``, ``28*28*6``, ``28 28 6``, ``28, 28, 6``, ``(28, 28, 6)``,
    ``[28, 28, 6]``; one number is a vector's shape (``400``).
Letters (multiple choice):
    ``b``, ``B``, ``b)``, ``(b)``, ``b.``

Anything else raises :class:`UnreadableAnswer`, whose message says what was expected; the
session shows it and asks again, so a typo never costs a point. A number too large for any
answer here (``1e999``, beyond 1e300) is refused the same way: it is a typo, not an attempt.
Numbers are read as :class:`~decimal.Decimal`, so ``1.2e6`` is exactly 1,200,000 and
``0.1 + 0.2`` rounding never decides whether a whole-number answer is right.
"""

import re
from decimal import Decimal, InvalidOperation

_PLAIN = r"(?:\d+\.?\d*|\.\d+)"
_GROUPED = r"\d{1,3}(?:([,_ ])\d{3})(?:\1\d{3})*(?:\.\d*)?"  # one separator, groups of three
_NUMBER = re.compile(rf"[+-]?(?:{_GROUPED}|{_PLAIN})(?:e[+-]?\d+)?")
_LARGEST = Decimal("1e300")  # no answer in the quiz comes near; anything beyond is a typo
NUMBER_EXAMPLES = "like 9472, 9,472, 1.2e6, 0.25, 25% or 1/4"


class UnreadableAnswer(ValueError):
    """The text is not an answer of the expected kind; the message says what to write."""


def _plain_number(text: str, original: str) -> Decimal:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        if re.fullmatch(r"[+-]?\d+(?:,\d+)+(?:\.\d*)?", text):
            raise UnreadableAnswer(
                f"could not read {original!r}: commas separate thousands (9,472); "
                "write decimals with a point (0.25)"
            )
        raise UnreadableAnswer(
            f"could not read {original!r} as a number; write it {NUMBER_EXAMPLES}"
        )
    try:
        value = Decimal(re.sub(r"[,_ ]", "", text))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise UnreadableAnswer(f"could not read {original!r} as a number") from None
    if abs(value) > _LARGEST:
        raise UnreadableAnswer(
            f"{original!r} is larger than any answer here (over 1e300); a typo? "
            f"Write the number {NUMBER_EXAMPLES}"
        )
    return value


def read_number(text: str) -> Decimal:
    """The number written in ``text`` (see the module docstring for the accepted spellings)."""
    original = text
    text = re.sub(r"[\u2009\u202f\u00a0]", " ", text.strip().lower()).replace("−", "-")
    if not text:
        raise UnreadableAnswer("no answer given")
    if text.endswith("%"):
        return _plain_number(text[:-1], original) / 100
    if text.count("/") == 1:
        numerator, denominator = (_plain_number(part, original) for part in text.split("/"))
        if denominator == 0:
            raise UnreadableAnswer(f"{original!r} divides by zero")
        return numerator / denominator
    return _plain_number(text, original)


def read_shape(text: str) -> tuple[int, ...]:
    """The shape written in ``text``: ``'28x28x6'`` → ``(28, 28, 6)``."""
    cleaned = text.strip().lower().strip("()[]")
    parts = re.split(r"\s*[x×*,]\s*|\s+", cleaned.strip())
    if not cleaned or not all(part.isdigit() for part in parts):
        raise UnreadableAnswer(
            f"could not read {text!r} as a shape; write it like 28x28x6, 28 28 6 or (28, 28, 6)"
        )
    return tuple(int(part) for part in parts)


def read_letter(text: str, count: int) -> str:
    """The letter chosen among ``count`` choices a, b, c...: ``'(B)'`` → ``'b'``."""
    letters = "abcdefghij"[:count]
    letter = text.strip().lower().strip("().").strip()
    if len(letter) != 1 or letter not in letters:
        raise UnreadableAnswer(
            f"could not read {text!r} as a choice; answer with one letter, {letters[0]} to "
            f"{letters[-1]}"
        )
    return letter
