"""Name → experiment: ``hb.lab.list_experiments()``, ``hb.lab.get_experiment(name)``,
``hb.lab.run_experiment(name)`` and ``hb.lab.save_result(result, out_dir)``.

Every experiment is three plain functions in its own module (a notebook can call them directly):

    data = run(quick=True, seed=0)        # a JSON-serialisable dict of numbers and lists
    numbers = key_numbers(data)           # {label: value}: what the table prints
    render(data, path)                    # one PNG figure (matplotlib, imported only here)
"""

from __future__ import annotations

import json
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .common import jsonable


@dataclass(frozen=True)
class Experiment:
    """One runnable lesson of the course.

    Attributes:
        name: the command-line name, e.g. ``"zero-init"``.
        lesson: the one sentence the experiment shows, as the README's gallery states it.
        run: ``run(quick: bool = True, seed: int = 0) -> dict``, the experiment's data.
        key_numbers: ``key_numbers(data) -> dict[str, float | str]``, the numbers that prove it.
        render: ``render(data, path) -> Path``, the figure as a PNG.
        timed_labels: parts of key-number labels that are wall-clock measurements: they differ
            from run to run, so the gallery's check (``gallery.py``) leaves them out.
    """

    name: str
    lesson: str
    run: Callable[..., dict]
    key_numbers: Callable[[dict], dict]
    render: Callable[[dict, Path], Path]
    timed_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabResult:
    """What :func:`run_experiment` returns: the experiment, its data, the key numbers, the
    settings it ran with and how long it took."""

    experiment: Experiment
    data: dict
    numbers: dict
    quick: bool
    seed: int
    seconds: float

    def __repr__(self) -> str:
        """The settings and key numbers; the data (curves, grids) would run to 100 KB."""
        numbers = ", ".join(f"{label!r}: {value!r}" for label, value in self.numbers.items())
        return (
            f"LabResult({self.experiment.name!r}, quick={self.quick}, seed={self.seed}, "
            f"seconds={self.seconds:.1f}, numbers={{{numbers}}})"
        )

    def _repr_html_(self) -> str:  # Jupyter: the figure and key numbers
        from hubel.viz.html import lab_html

        return lab_html(self)


_REGISTRY: dict[str, Experiment] = {}
# The order of the course (issue #8's list), which `hubel lab list` and the gallery follow.
COURSE_ORDER = (
    "activations",
    "linear-collapse",
    "zero-init",
    "init-scale",
    "vanishing-gradients",
    "exploding-gradients",
    "optimizers",
    "overfitting",
    "batchnorm",
    "residual",
    "depthwise",
    "filters",
)


def register_experiment(
    name: str,
    lesson: str,
    run: Callable[..., dict],
    key_numbers: Callable[[dict], dict],
    render: Callable[[dict, Path], Path],
    timed_labels: tuple[str, ...] = (),
) -> Experiment:
    """Add an experiment to the registry (each module calls this once, at import)."""
    if name in _REGISTRY:
        raise ValueError(f"register_experiment: {name!r} is already registered")
    experiment = Experiment(name, lesson, run, key_numbers, render, tuple(timed_labels))
    _REGISTRY[name] = experiment
    return experiment


def list_experiments() -> list[str]:
    """The experiment names, in the order of the course (any others after them)."""
    position = {name: index for index, name in enumerate(COURSE_ORDER)}
    return sorted(_REGISTRY, key=lambda name: position.get(name, len(position)))


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; a ``ValueError`` lists the valid names otherwise."""
    if name not in _REGISTRY:
        raise ValueError(
            f"experiment: expected one of {', '.join(list_experiments())}, got {name!r}"
        )
    return _REGISTRY[name]


def run_experiment(name: str, quick: bool = True, seed: int = 0) -> LabResult:
    """Run one experiment: ``quick`` (well under a minute on 2 cores) or the full version."""
    experiment = get_experiment(name)
    if not isinstance(quick, bool):
        raise TypeError(f"quick: expected True or False, got {quick!r}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed!r}")
    start = time.perf_counter()
    data = experiment.run(quick=quick, seed=int(seed))
    seconds = time.perf_counter() - start
    return LabResult(experiment, data, experiment.key_numbers(data), quick, int(seed), seconds)


def save_result(result: LabResult, out_dir: str | Path) -> list[Path]:
    """Write ``NAME.json`` (settings, key numbers and data) and ``NAME.png`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = result.experiment.name
    record = {
        "experiment": name,
        "lesson": result.experiment.lesson,
        "quick": result.quick,
        "seed": result.seed,
        "seconds": round(result.seconds, 3),
        "key_numbers": jsonable(result.numbers),
        "data": result.data,
    }
    json_path = out / f"{name}.json"
    json_path.write_text(json.dumps(record, indent=1, allow_nan=False) + "\n")
    figure = result.experiment.render(result.data, out / f"{name}.png")
    return [json_path, Path(figure)]
