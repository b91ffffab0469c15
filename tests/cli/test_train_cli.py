import json

import pytest

from hubel.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_train_reaches_95_percent_on_digits_and_writes_the_run_folder(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--out", str(tmp_path))
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["test_accuracy"] >= 0.95
    assert f"test accuracy {summary['test_accuracy']:.2%}" in out
    assert out.count("epoch ") >= 30  # one plain line per epoch when not on a terminal
    for name in (
        "config.toml",
        "metrics.jsonl",
        "checkpoint.npz",
        "weights.npz",
        "best.npz",
        "curves.png",
        "confusion.png",
    ):
        assert (tmp_path / name).is_file(), name
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 30


def test_same_seed_gives_the_same_result(tmp_path, capsys):
    for name in ("a", "b"):
        assert run(capsys, "train", "--epochs", "3", "--out", str(tmp_path / name))[0] == 0
    a = json.loads((tmp_path / "a" / "summary.json").read_text())
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert a["test_loss"] == b["test_loss"] and a["confusion_matrix"] == b["confusion_matrix"]


def test_config_file_stands_in_for_flags_and_flags_win(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('hidden = [32]\nepochs = 2\noptimizer = "sgd"\nlr = 0.1\n')
    code, _, _ = run(
        capsys, "train", "--config", str(config), "--epochs", "3", "--out", str(tmp_path / "run")
    )
    assert code == 0
    saved = (tmp_path / "run" / "config.toml").read_text()
    assert "hidden = [32]" in saved and "epochs = 3" in saved and 'optimizer = "sgd"' in saved


def test_resume_extends_a_finished_run(tmp_path, capsys):
    assert run(capsys, "train", "--epochs", "2", "--out", str(tmp_path))[0] == 0
    code, out, _ = run(capsys, "train", "--resume", str(tmp_path), "--epochs", "4")
    assert code == 0 and "epoch 3" in out and "epoch 1 " not in out
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 4


def test_evaluate_recomputes_the_test_accuracy(tmp_path, capsys):
    run(capsys, "train", "--epochs", "3", "--out", str(tmp_path))
    summary = json.loads((tmp_path / "summary.json").read_text())
    code, out, _ = run(capsys, "evaluate", str(tmp_path))
    assert code == 0 and f"test accuracy {summary['test_accuracy']:.2%}" in out


def test_bad_config_value_is_reported_with_its_name(tmp_path, capsys):
    code, _, err = run(capsys, "train", "--dropout", "1.5", "--out", str(tmp_path))
    assert code == 2 and "dropout: expected a drop probability in [0, 1), got 1.5" in err


def test_unknown_config_key_is_named(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("epochz = 3\n")
    code, _, err = run(capsys, "train", "--config", str(config))
    assert code == 2 and "unknown keys ['epochz']" in err


def test_evaluate_missing_run_folder(tmp_path, capsys):
    code, _, err = run(capsys, "evaluate", str(tmp_path / "nope"))
    assert code == 2 and "no such file" in err


def test_hidden_sizes_are_parsed_and_checked(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--hidden", "12,-3"])
    assert "expected positive sizes like 256,128" in capsys.readouterr().err
