"""The run's JSON records, strict: ``metrics.jsonl`` (one object per epoch) and
``summary.json``.

``json.dumps`` writes a NaN or infinite float as the bare word ``NaN``/``Infinity``, which is
not JSON: strict parsers (``jq``, JavaScript's ``JSON.parse``, many JSON libraries) reject the
whole file. Here a non-finite number is written as ``null`` and read back as ``nan``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ..serialization import atomic_write_bytes


def finite_or_none(value):
    """``value`` with every NaN or infinite float (in nested dicts and lists) made ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(item) for item in value]
    return value


def strict_json(value, **options) -> str:
    """``json.dumps`` that writes non-finite floats as ``null`` (always valid JSON)."""
    return json.dumps(finite_or_none(value), allow_nan=False, **options)


def write_json(path: str | os.PathLike, value) -> None:
    """Write ``value`` as indented strict JSON, atomically."""
    atomic_write_bytes(path, strict_json(value, indent=2).encode())


def write_history(path: str | os.PathLike, history: list[dict]) -> None:
    """Write the metric history as JSON Lines (one strict JSON object per epoch), atomically."""
    atomic_write_bytes(path, "".join(strict_json(row) + "\n" for row in history).encode())


def read_history(path: str | os.PathLike) -> list[dict]:
    """Read what :func:`write_history` wrote; a ``null`` metric comes back as ``nan``."""
    rows = []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{str(path)!r} line {number}: not valid JSON ({error})") from None
        rows.append({key: math.nan if value is None else value for key, value in row.items()})
    return rows
