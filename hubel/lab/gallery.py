"""The README's gallery: every experiment's figure in its quick form at seed 0, each beside a
record of what it shows, so that a test notices when the code no longer produces it.

    python -m hubel.lab.gallery docs/lab            # regenerate every figure (``make figures``)
    python -m hubel.lab.gallery docs/lab --check    # compare; exit 1 naming what moved

The record (``NAME.json`` beside ``NAME.png``) holds the experiment's key numbers (without the
wall-clock timings, which differ from run to run) and the length of every series it plots
(60 steps or 90). :func:`differences` compares a record with a fresh run.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from ..serialization import atomic_write_bytes
from .common import jsonable
from .registry import Experiment, get_experiment, list_experiments

GALLERY_SEED = 0
RELATIVE_TOLERANCE = 0.05  # summation orders (threads, BLAS kernels) nudge trained numbers
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def series_lengths(value, path: str = "") -> dict[str, list[int]]:
    """The shape of every list of numbers in ``value`` (a run's JSON data), by its path:
    ``{"settings/none/val_loss": [16], "grid": [61, 61]}``."""
    if isinstance(value, dict):
        found: dict[str, list[int]] = {}
        for key, item in value.items():
            found.update(series_lengths(item, f"{path}/{key}" if path else str(key)))
        return found
    if isinstance(value, list):
        if all(isinstance(item, int | float) or item is None for item in value):
            return {path: [len(value)]}
        if all(isinstance(item, list) for item in value):
            inner = {len(item) for item in value}
            if len(inner) == 1 and all(
                isinstance(x, int | float) or x is None for item in value for x in item
            ):
                return {path: [len(value), inner.pop()]}
        found = {}
        for index, item in enumerate(value):
            found.update(series_lengths(item, f"{path}/{index}"))
        return found
    return {}


def record(experiment: Experiment, data: dict) -> dict:
    """What the gallery keeps of one run: the key numbers (timings left out) and the shapes
    of the plotted series."""
    numbers = {
        label: value
        for label, value in jsonable(experiment.key_numbers(data)).items()
        if not any(timed in label for timed in experiment.timed_labels)
    }
    return {
        "experiment": experiment.name,
        "quick": True,
        "seed": GALLERY_SEED,
        "kernels": kernels_in_force(),
        "key_numbers": numbers,
        "series": series_lengths(data),
    }


def kernels_in_force() -> dict:
    """What decides the last bits of every product here: OpenBLAS's CPU kernels (each sums in
    its own order) and whether the compiled kernels run. A trained number is chaotic in those
    bits: on another CPU, or without numba, the quick runs' numbers move by up to tens of
    percent while every lesson still holds (tests/lab check the lessons on any machine)."""
    from ..kernels import blas
    from ..kernels.jit import jit_active

    return {"blas": blas.core_name(), "compiled": jit_active()}


def _close(recorded, fresh) -> bool:
    if isinstance(recorded, str) and isinstance(fresh, str):
        old, new = _NUMBER.findall(recorded), _NUMBER.findall(fresh)
        if _NUMBER.sub("#", recorded) != _NUMBER.sub("#", fresh) or len(old) != len(new):
            return False
        # Printed percentages move by whole points: allow one.
        slack = 1.0 if "%" in recorded else 0.0
        return all(
            _close(float(a), float(b)) or abs(float(a) - float(b)) <= slack
            for a, b in zip(old, new)
        )
    if recorded is None or fresh is None:  # NaN and infinities are stored as null
        return recorded is None and fresh is None
    if isinstance(recorded, int | float) and isinstance(fresh, int | float):
        return math.isclose(recorded, fresh, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
    return recorded == fresh


def _by_pattern(numbers: dict) -> dict[str, tuple[str, object]]:
    """Key numbers by their label with its numbers masked (``"validation loss (best #)"``):
    labels that quote a number are matched by their words, and the number compared."""
    return {_NUMBER.sub("#", label): (label, value) for label, value in numbers.items()}


def differences(recorded: dict, fresh: dict) -> list[str]:
    """What changed between a committed record and a fresh one, one line per change (empty
    when the figure still shows what the code produces)."""
    name = fresh["experiment"]
    lines = []
    old_numbers = _by_pattern(recorded.get("key_numbers", {}))
    new_numbers = _by_pattern(fresh["key_numbers"])
    for pattern in sorted(set(old_numbers) | set(new_numbers)):
        if pattern not in new_numbers:
            label = old_numbers[pattern][0]
            lines.append(f"{name}: {label!r} is in the figure's record but no longer computed")
        elif pattern not in old_numbers:
            label = new_numbers[pattern][0]
            lines.append(f"{name}: {label!r} is computed but not in the figure's record")
        else:
            (old_label, old_value), (new_label, new_value) = (
                old_numbers[pattern],
                new_numbers[pattern],
            )
            if not (_close(old_label, new_label) and _close(old_value, new_value)):
                lines.append(
                    f"{name}: {old_label!r} was {old_value!r}, now {new_label!r} = {new_value!r}"
                )
    old_series, new_series = recorded.get("series", {}), fresh["series"]
    for path in sorted(set(old_series) | set(new_series)):
        if old_series.get(path) != new_series.get(path):
            lines.append(
                f"{name}: series {path!r} had shape {old_series.get(path)}, "
                f"now {new_series.get(path)}"
            )
    return lines


def _run(experiment: Experiment) -> dict:
    """The quick run at seed 0 with BLAS on one thread, as the lab's tests run it: OpenBLAS
    sums in another order on two threads, which moves trained numbers."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError as error:
        raise ModuleNotFoundError(
            "the gallery needs threadpoolctl to hold BLAS to one thread: pip install threadpoolctl"
        ) from error
    with threadpool_limits(limits=1, user_api="blas"):
        return experiment.run(quick=True, seed=GALLERY_SEED)


def write_figure(name: str, out_dir: str | Path) -> list[Path]:
    """Run ``name`` (quick, seed 0) and write ``NAME.png`` and its record ``NAME.json``."""
    experiment = get_experiment(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = _run(experiment)
    figure = Path(experiment.render(data, out / f"{name}.png"))
    path = out / f"{name}.json"
    text = json.dumps(record(experiment, data), indent=1, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode())
    return [figure, path]


def check(out_dir: str | Path, names: Sequence[str] | None = None) -> list[str]:
    """Rerun each experiment and compare it with the record in ``out_dir``."""
    lines = []
    for name in names or list_experiments():
        path = Path(out_dir) / f"{name}.json"
        if not path.is_file():
            lines.append(f"{name}: no record {path} (run `make figures`)")
            continue
        experiment = get_experiment(name)
        fresh = record(experiment, _run(experiment))
        lines.extend(differences(json.loads(path.read_text()), fresh))
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubel.lab.gallery", description=__doc__)
    parser.add_argument("out_dir", help="the gallery's folder, e.g. docs/lab")
    parser.add_argument("names", nargs="*", help="experiments (default: all)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    for name in args.names:
        get_experiment(name)
    if args.check:
        lines = check(args.out_dir, args.names)
        print("\n".join(lines) or "every figure matches its experiment")
        return 1 if lines else 0
    for name in args.names or list_experiments():
        for path in write_figure(name, args.out_dir):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
