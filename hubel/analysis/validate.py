"""Argument checks shared by the formulas.

Each error names the argument, what was expected and what was given, so that a learner can
act on it: ``stride: expected a positive int or a pair (h, w) of them, got 0``.
Wrong types raise ``TypeError``; right types with wrong values raise ``ValueError``.
"""

from numbers import Integral

Pair = tuple[int, int]


def _is_int(value: object) -> bool:
    # bool is a subclass of int, but `kernel_size=True` is a mistake, never a size
    return isinstance(value, Integral) and not isinstance(value, bool)


def _int_words(minimum: int) -> str:
    return {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")


def _is_pair(value: object) -> bool:
    return isinstance(value, tuple | list) and len(value) == 2


def check_int(name: str, value: object, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an int >= ``minimum``, else raise naming ``name``."""
    expected = _int_words(minimum)
    if not _is_int(value):
        raise TypeError(f"{name}: expected {expected}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected {expected}, got {value}")
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is True or False, else raise naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return value


def check_pair(name: str, value: object, minimum: int = 1) -> Pair:
    """``(h, w)`` from an int (the same for both, like PyTorch's ``_pair``) or a pair of ints."""
    expected = f"{_int_words(minimum)} or a pair (h, w) of them"
    items = value if _is_pair(value) else (value, value)
    if not all(_is_int(item) for item in items):
        raise TypeError(f"{name}: expected {expected}, got {value!r}")
    if any(item < minimum for item in items):
        raise ValueError(f"{name}: expected {expected}, got {value!r}")
    return int(items[0]), int(items[1])


def check_padding(value: object, two_dimensional: bool) -> tuple[Pair, ...]:
    """Padding as ``(before, after)`` for each spatial dimension.

    One dimension: ``P`` (both sides) or ``(left, right)``.
    Two dimensions: ``P``, ``(P_h, P_w)``, or ``((top, bottom), (left, right))``; each entry of
    the pair may itself be an int or a ``(before, after)`` pair.
    """
    if two_dimensional:
        expected = "a non-negative int, a pair (h, w), or ((top, bottom), (left, right))"
        per_dim = value if _is_pair(value) else (value, value)
    else:
        expected = "a non-negative int or a pair (left, right) of them"
        per_dim = (value,)
    sides = []
    for entry in per_dim:
        if _is_int(entry):
            sides.append((entry, entry))
        elif _is_pair(entry) and all(_is_int(side) for side in entry):
            sides.append(tuple(entry))
        else:
            raise TypeError(f"padding: expected {expected}, got {value!r}")
    if any(side < 0 for pair in sides for side in pair):
        raise ValueError(f"padding: expected {expected}, got {value!r}")
    return tuple((int(before), int(after)) for before, after in sides)
