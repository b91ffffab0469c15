"""``hubel fold`` and the saved-weights functions behind it: run folder or weights file in,
folded weights out, and back again with ``load_folded``."""

from __future__ import annotations

import numpy as np
import pytest
from fold_helpers import batchnorm_count, randomize_batchnorms, relative_error

import hubel as hb
from hubel.cli.main import main
from hubel.models import get_model
from hubel.training import fold_saved, load_folded
from hubel.training.config import TrainConfig, to_toml
from hubel.training.run import Run


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _run_folder(folder, **config) -> hb.nn.Module:
    """A run folder as `hubel train` leaves it (config.toml, weights.npz), without training:
    the model's BatchNorms get random statistics instead."""
    trained = Run(TrainConfig(**config), folder, progress=False).model
    randomize_batchnorms(trained).eval()
    folder.mkdir()
    (folder / "config.toml").write_text(to_toml(TrainConfig(**config).resolved()))
    hb.save(trained.state_dict(), folder / "weights.npz")
    return trained


def _digits(shape) -> np.ndarray:
    return np.random.default_rng(2).uniform(0, 1, (2, *shape)).astype(np.float32)


@pytest.mark.parametrize(
    "config, pairs, shape",
    [({"model": "cnn"}, 3, (1, 8, 8)), ({"model": "mlp", "batchnorm": True}, 2, (64,))],
)
def test_hubel_fold_run_folder_saves_weights_that_load_back_folded(
    tmp_path, capsys, config, pairs, shape
):
    trained = _run_folder(tmp_path / "run", **config)
    code, out, err = run(capsys, "fold", tmp_path / "run", "-o", tmp_path / "folded.npz")
    assert (code, err) == (0, "")
    assert f"{pairs} BatchNorm layer(s) absorbed" in out and "s  = γ/√(σ²+ε) = " in out
    saved = hb.load(tmp_path / "folded.npz")
    assert saved["architecture"]["model"] == config["model"]
    assert len(saved["architecture"]["folded"]) == pairs
    assert not [key for key in saved["state_dict"] if "running_mean" in key]
    folded = load_folded(tmp_path / "folded.npz")
    assert batchnorm_count(folded) == batchnorm_count(trained) - pairs == 0
    assert relative_error(trained, folded, _digits(shape)) < 1e-5


def test_weights_file_with_a_zoo_model_name(tmp_path):
    model = randomize_batchnorms(get_model("resnet20")).eval()
    hb.save(model.state_dict(), tmp_path / "w.npz")
    result = fold_saved(tmp_path / "w.npz", tmp_path / "folded.npz", model="resnet20")
    assert (len(result.folded), result.skipped) == (19, [])
    folded = load_folded(tmp_path / "folded.npz")
    x = np.random.default_rng(3).standard_normal((2, 3, 32, 32)).astype(np.float32)
    assert relative_error(model, folded, x) < 1e-4


def test_weights_file_beside_a_config_needs_no_model_name(tmp_path):
    _run_folder(tmp_path / "run", model="cnn")
    (tmp_path / "run" / "weights.npz").rename(tmp_path / "run" / "best.npz")
    result = fold_saved(tmp_path / "run" / "best.npz", tmp_path / "folded.npz")
    assert len(result.folded) == 3


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing", "no run folder or weights file"),
        (lambda d: hb.save({}, d / "w.npz") or d / "w.npz", "--model NAME"),
    ],
)
def test_hubel_fold_explains_what_it_needs(tmp_path, capsys, make, message):
    code, _, err = run(capsys, "fold", make(tmp_path), "-o", tmp_path / "out.npz")
    assert code == 2 and message in err
    assert not (tmp_path / "out.npz").exists()


def test_load_folded_rejects_a_plain_weights_file(tmp_path):
    hb.save(get_model("cnn").state_dict(), tmp_path / "w.npz")
    with pytest.raises(ValueError, match="not a folded weights file"):
        load_folded(tmp_path / "w.npz")


def test_analysis_imports_nothing_from_training():
    # The layers go up: training (run folders) may use analysis (folding), not the reverse.
    import pathlib

    import hubel.analysis

    for path in pathlib.Path(hubel.analysis.__file__).parent.glob("*.py"):
        text = path.read_text()
        assert "from ..training" not in text and "hubel.training" not in text, path.name
