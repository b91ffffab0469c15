"""A damaged or tampered CIFAR-10 batch, and Ctrl-C while the batches load, through the real
``hubel train --dataset cifar10``: one line, never a Python traceback."""

import pytest
from cifar_archive import make_fake_cifar
from cli_process import assert_one_line_error, interrupt_hubel, run_hubel


@pytest.fixture
def cifar_root(tmp_path):
    root = tmp_path / "data"
    make_fake_cifar(per_batch=4, test_size=3).write_folder(root)
    return root


def _train_cifar(root, tmp_path):
    return run_hubel(
        "train", "--dataset", "cifar10", "--data-root", root, "--epochs", "1", "--hidden", "8",
        "--quiet", "--out", tmp_path / "cifar-run",
    )  # fmt: skip


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "the file is empty"), (b"truncate", "pickle data was truncated")],
)
def test_cifar_empty_or_truncated_batch_says_how_to_get_it_again(
    cifar_root, tmp_path, content, reason
):
    batch = cifar_root / "cifar-10-batches-py" / "data_batch_2"
    batch.write_bytes(batch.read_bytes()[:1000] if content == b"truncate" else content)
    message = assert_one_line_error(_train_cifar(cifar_root, tmp_path), "data_batch_2", reason)
    assert f"delete {cifar_root / 'cifar-10-batches-py'}" in message


def test_cifar_malicious_batch_is_refused_in_one_line(cifar_root, tmp_path):
    batch = cifar_root / "cifar-10-batches-py" / "test_batch"
    batch.write_bytes(
        b"cos\nsystem\n(S'echo owned > " + str(tmp_path / "owned").encode() + b"'\ntR."
    )
    assert_one_line_error(_train_cifar(cifar_root, tmp_path), "test_batch", "refusing to load")
    assert not (tmp_path / "owned").exists()


def test_ctrl_c_while_loading_data_prints_one_line_and_exits_130(cifar_root, tmp_path):
    slow_reads = (
        "import sys, time, hubel.data.cifar as cifar\n"
        "def slow(path, *args, **kwargs):\n"
        "    print('reading', path, file=sys.stderr, flush=True)\n"
        "    time.sleep(60)\n"
        "cifar.load_pickle = slow\n"
    )
    argv = ["train", "--dataset", "cifar10", "--data-root", cifar_root, "--quiet"]
    result = interrupt_hubel(*argv, "--out", tmp_path / "r", ready="reading", prelude=slow_reads)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "interrupted"
