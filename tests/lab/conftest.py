"""Shared by the lab's tests: one BLAS thread, one quick run per experiment and seed for the whole
session, and a check that a result survives JSON and renders."""

import json

import numpy  # noqa: F401 - loads OpenBLAS, so that its thread pool can be limited below
import pytest

from hubel.lab import get_experiment

_RUNS: dict[tuple[str, int], dict] = {}


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """The experiments multiply many small matrices; on a busy 2-core machine a multi-threaded
    BLAS spends most of its time waiting for its second thread (a 256x256 product: 15 ms
    instead of 1 ms, measured), which also makes the depthwise timings meaningless."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def render_from_json(experiment, data, tmp_path):
    """Round-trip ``data`` through strict JSON, render it, and return the PNG's path."""
    restored = json.loads(json.dumps(data, allow_nan=False))
    path = experiment.render(restored, tmp_path / f"{experiment.name}.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


@pytest.fixture(scope="session")
def lab_data():
    """``lab_data(name, seed=0)``: the quick run's data, computed once per session, so the
    effect tests and the gallery check (test_gallery.py) read the same run."""

    def get(name: str, seed: int = 0) -> dict:
        if (name, seed) not in _RUNS:
            _RUNS[name, seed] = get_experiment(name).run(quick=True, seed=seed)
        return _RUNS[name, seed]

    return get
