"""The course's notebooks run top to bottom in a fresh kernel, and none is committed with
outputs. Their cells assert the numbers their text states, so a run that finishes is a pass.

Each runs in the ``python3`` kernel of the Python running the tests (jupyter_client starts a
kernelspec whose command is ``python`` with ``sys.executable``), with this checkout first on
``PYTHONPATH``, in a temporary folder, and with ``HUBEL_DATA`` pointed at an empty folder so
that the homework notebook never finds (or downloads) CIFAR-10 and trains on the bundled
digits, as on the build machine.
"""

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds for any one cell
NOTEBOOK_BUDGET = 120  # seconds for a whole notebook, on a busy 2-core machine


def test_there_is_a_notebook_per_phase_and_the_homework():
    assert [path.name[:3] for path in NOTEBOOKS] == ["01_", "02_", "03_", "04_", "05_"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert notebook.metadata.kernelspec.name == "python3"
    assert sum("assert " in cell.source for cell in code) >= 3, "state numbers, assert them"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("HUBEL_DATA", str(tmp_path / "no-data"))
    # the kernel's connection file and IPython's profile go to the test's folder, not $HOME
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    # the kernel imports the hubel of this checkout, whatever else is installed
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    # figures inline, as in Jupyter, even where the environment sets MPLBACKEND=Agg
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    # every cell ran, in order (a failing cell raises in execute, naming itself)
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    # a lesson shows no warnings: a student cannot tell them from a problem
    warnings = [o.text for cell in code for o in cell.outputs if o.get("name") == "stderr"]
    assert not warnings, warnings
    assert seconds < NOTEBOOK_BUDGET, f"{path.name} took {seconds:.0f} s"
    assert not (tmp_path / "no-data").exists(), "a notebook wrote into HUBEL_DATA"
