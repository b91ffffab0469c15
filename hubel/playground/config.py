"""The page's settings, checked on the server: every field has a type and bounds, and a value
outside them is refused with a message that names the field, what it accepts and what came.

Values arrive as JSON numbers, booleans and strings, or as the strings of a shared URL's query
(``?lr=0.03&layers=4,4``), so each field also reads its value from a string.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class PlaygroundError(ValueError):
    """A request the playground refuses; its message is shown on the page as it is."""


@dataclass(frozen=True)
class Field:
    """One setting: ``kind`` is ``'int'``, ``'float'``, ``'bool'``, ``'choice'`` or ``'ints'``
    (a list of ints, e.g. the hidden layers' widths). Numbers lie in ``[low, high]``; a choice
    is one of ``choices``; an ``'ints'`` list has at most ``max_length`` items, each in
    ``[low, high]``."""

    name: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int = 0
    help: str = ""

    def parse(self, value: Any) -> Any:
        """``value`` as this field's type, or a :class:`PlaygroundError` naming the field."""
        parser = getattr(self, f"_parse_{self.kind}")
        return parser(value)

    def describe(self) -> dict:
        """The field for the page: its kind, default, bounds or choices and help."""
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "choices": list(self.choices),
            "max_length": self.max_length,
            "help": self.help,
        }

    def _refuse(self, expected: str, value: Any) -> PlaygroundError:
        return PlaygroundError(f"{self.name}: expected {expected}, got {value!r}")

    def _range_text(self) -> str:
        return f"in [{self.low:g}, {self.high:g}]"

    def _number(self, value: Any, convert, expected: str):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self._refuse(expected, value)
        try:
            number = convert(value)
        except (TypeError, ValueError, OverflowError):
            raise self._refuse(expected, value) from None
        if isinstance(number, float) and not math.isfinite(number):
            raise self._refuse(expected, value)
        if not self.low <= number <= self.high:
            raise self._refuse(expected, value)
        return number

    def _parse_int(self, value: Any) -> int:
        def to_int(item):
            if isinstance(item, float) and not item.is_integer():
                raise ValueError(item)
            return int(item.strip()) if isinstance(item, str) else int(item)

        return self._number(value, to_int, f"an integer {self._range_text()}")

    def _parse_float(self, value: Any) -> float:
        return self._number(value, float, f"a number {self._range_text()}")

    def _parse_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        words = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False}
        if isinstance(value, str) and value.strip().lower() in words:
            return words[value.strip().lower()]
        raise self._refuse("true or false", value)

    def _parse_choice(self, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        raise self._refuse(f"one of {', '.join(self.choices)}", value)

    def _parse_ints(self, value: Any) -> tuple[int, ...]:
        expected = (
            f"at most {self.max_length} integers, each in [{self.low:g}, {self.high:g}] "
            "(a list, or a comma-separated string like '4,4')"
        )
        if isinstance(value, str):
            value = [item for item in value.split(",") if item.strip()]
        if not isinstance(value, list | tuple) or len(value) > self.max_length:
            raise self._refuse(expected, value)
        item_field = Field(self.name, "int", 0, self.low, self.high)
        try:
            return tuple(item_field.parse(item) for item in value)
        except PlaygroundError:
            raise self._refuse(expected, value) from None


def parse_settings(fields: tuple[Field, ...], raw: Any, what: str) -> dict:
    """``raw`` (a dict from JSON or a URL) checked against ``fields``: missing fields take their
    defaults, an unknown name is refused (a typo must not pass silently)."""
    if not isinstance(raw, dict):
        raise PlaygroundError(f"{what}: expected an object of settings, got {type(raw).__name__}")
    known = {field.name: field for field in fields}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise PlaygroundError(
            f"{what}: unknown setting {unknown[0]!r}; the settings are {', '.join(known)}"
        )
    return {
        name: field.parse(raw[name]) if name in raw else field.default
        for name, field in known.items()
    }
