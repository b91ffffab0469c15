"""The README's Python examples run as written, and print what the README says they print."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def block_containing(text: str) -> str:
    matches = [block for block in python_blocks() if text in block]
    assert len(matches) == 1, f"expected one README python block containing {text!r}"
    return matches[0]


def test_the_tour_runs_and_its_gradient_is_the_one_quoted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = block_containing("y.backward()")
    quoted = re.search(r"x\.grad\s+# tensor\(\[(.*?)\]\)", block).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md (tour)", "exec"), namespace)
    expected = np.array([float(value) for value in quoted.split(",")])
    np.testing.assert_allclose(namespace["x"].grad.numpy(), expected, atol=1e-4)
    assert (tmp_path / "weights.npz").is_file()


def test_the_trainer_example_selects_on_validation_and_tests_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    block = block_containing("Trainer(")
    namespace: dict = {}
    exec(compile(block, "README.md (Trainer)", "exec"), namespace)
    accuracy = float(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.85 < accuracy <= 1.0
    assert (tmp_path / "runs" / "mine" / "best.npz").is_file()
    assert len(namespace["history"]) == 20
    assert all("val_loss" in epoch for epoch in namespace["history"])
    with pytest.raises(FileExistsError, match="resume"):
        namespace["trainer"].__class__(
            namespace["model"],
            namespace["opt"],
            namespace["trainer"].train_loader,
            epochs=1,
            run_dir="runs/mine",
        ).fit()


def test_the_graph_example_draws_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = block_containing("hb.viz.draw_graph(")
    namespace: dict = {}
    exec(compile(block, "README.md (graph)", "exec"), namespace)
    svg = (tmp_path / "graph.svg").read_text()
    assert "0.weight" in svg and "2.bias" in svg
    assert "digraph" in namespace["graph"].source
