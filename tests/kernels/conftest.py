"""Shared by the kernel tests."""

import pytest

from hubel.kernels import jit


@pytest.fixture
def compiled_calls(monkeypatch):
    """The names of the compiled functions ``jit.run`` ran during the test, in order."""
    calls, run = [], jit.run

    def spy(function, *args, threads=None):
        calls.append(function.__name__)
        return run(function, *args, threads=threads)

    monkeypatch.setattr(jit, "run", spy)
    return calls
