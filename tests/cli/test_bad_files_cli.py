"""Damaged weights and checkpoints through the real ``hubel`` command: one line naming the
file, what is wrong with it and what to do; never a Python traceback (unless HUBEL_DEBUG=1)."""

import shutil
import zipfile

import pytest
from cli_process import assert_one_line_error, run_hubel

from hubel.cli.main import main


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A finished one-epoch digits run (checkpoint.npz, weights.npz, config.toml...)."""
    run = tmp_path_factory.mktemp("runs") / "digits"
    assert main(["train", "--epochs", "1", "--hidden", "8", "--quiet", "--out", str(run)]) == 0
    return run


@pytest.fixture
def run_copy(trained_run, tmp_path):
    return shutil.copytree(trained_run, tmp_path / "run")


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_bytes(path):
    data = bytearray(path.read_bytes())
    start = data.index(b"\x93NUMPY") + 128  # inside the first array's values
    data[start : start + 16] = bytes(255 - byte for byte in data[start : start + 16])
    path.write_bytes(bytes(data))


def _zero_fill(path):
    path.write_bytes(bytes(path.stat().st_size))


@pytest.mark.parametrize(
    "damage, reason",
    [(_truncate, "ends early"), (_flip_bytes, "Bad CRC-32"), (_zero_fill, "zero bytes")],
)
def test_evaluate_names_a_damaged_weights_file(run_copy, damage, reason):
    damage(run_copy / "weights.npz")
    message = assert_one_line_error(run_hubel("evaluate", run_copy), "weights.npz", reason)
    assert "truncated or corrupt" in message and "rerun or restore it" in message
    assert "allow_pickle" not in message


def test_resume_names_a_truncated_checkpoint(run_copy):
    _truncate(run_copy / "checkpoint.npz")
    result = run_hubel("train", "--resume", run_copy, "--epochs", "2", "--quiet")
    assert_one_line_error(result, "checkpoint.npz is truncated or corrupt", "rerun or restore")


def test_fold_names_a_zero_filled_weights_file(run_copy, tmp_path):
    _zero_fill(run_copy / "weights.npz")
    result = run_hubel("fold", run_copy, "-o", tmp_path / "folded.npz")
    assert_one_line_error(result, "weights.npz is truncated or corrupt", "zero bytes")
    assert not (tmp_path / "folded.npz").exists()


def test_hubel_debug_shows_the_traceback(run_copy):
    _zero_fill(run_copy / "weights.npz")
    result = run_hubel("evaluate", run_copy, env={"HUBEL_DEBUG": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "truncated or corrupt" in result.stderr


def test_fold_of_a_torch_file_points_to_the_torch_loader(tmp_path):
    path = tmp_path / "resnet18-f37072fd.pth"
    with zipfile.ZipFile(path, "w") as archive:  # the layout torch.save writes
        archive.writestr("resnet18-f37072fd/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("resnet18-f37072fd/version", b"3\n")
    result = run_hubel("fold", path, "--model", "resnet18", "-o", tmp_path / "folded.npz")
    assert_one_line_error(
        result, "resnet18-f37072fd.pth: it is a PyTorch file", "load_torch_state_dict"
    )
