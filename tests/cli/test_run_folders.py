"""Run folders through the real `hubel` command: refusal, unique names under concurrent starts,
stale temporaries, resume rules, failed resumes, divergence, Ctrl-C (issue 14)."""

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import hubel
from hubel.serialization import load
from hubel.training.trainer import non_finite_entries

ROOT = Path(hubel.__file__).resolve().parents[1]
TINY = ("--epochs", "1", "--hidden", "8", "--quiet")
RECORD = ("config.toml", "metrics.jsonl", "checkpoint.npz", "weights.npz", "summary.json")


def command(*argv):
    return [sys.executable, "-m", "hubel.cli.main", *map(str, argv)]


def environment():
    # the hubel under test, whatever is installed
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }


def hubel_cli(*argv, cwd):
    return subprocess.run(
        command(*argv), cwd=cwd, env=environment(), capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished one-epoch run, trained once for the module; copy it with ``copy_run``."""
    folder = tmp_path_factory.mktemp("trained")
    result = hubel_cli("train", *TINY, "--out", "A", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "A"


def copy_run(trained, tmp_path):
    shutil.copytree(trained, tmp_path / "A")
    return tmp_path / "A"


def snapshot(folder):
    return {name: (folder / name).read_bytes() for name in RECORD}


def one_error_line(result):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_a_second_run_into_a_folder_that_holds_one_is_refused_until_overwrite(trained, tmp_path):
    copy_run(trained, tmp_path)
    stale = tmp_path / "A" / ".checkpoint.npz.abcdefgh.tmp"
    stale.write_bytes(b"partial")
    first = snapshot(tmp_path / "A")
    line = one_error_line(hubel_cli("train", *TINY, "--epochs", "2", "--out", "A", cwd=tmp_path))
    assert "run folder 'A' already holds a run" in line
    assert "--resume A" in line and "--out" in line and "--overwrite" in line
    assert snapshot(tmp_path / "A") == first and stale.is_file()  # refused: nothing touched
    replaced = hubel_cli("train", *TINY, "--epochs", "2", "--out", "A", "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert "epochs = 2" in (tmp_path / "A" / "config.toml").read_text()
    assert len((tmp_path / "A" / "metrics.jsonl").read_text().splitlines()) == 2
    assert not stale.exists()


def test_overwrite_without_out_is_refused(tmp_path):
    line = one_error_line(hubel_cli("train", *TINY, "--overwrite", cwd=tmp_path))
    assert "--overwrite replaces the run in --out RUN_DIR" in line
    assert not (tmp_path / "runs").exists()


def test_runs_started_at_once_get_default_folders_of_their_own(tmp_path):
    # Earlier runs hold the names of the next two minutes, so every start below collides with
    # one of them and the concurrent starts race each other for the same next free name.
    now = datetime.now()
    earlier = []
    for second in range(120):
        stamp = (now + timedelta(seconds=second)).strftime("%Y%m%d-%H%M%S")
        folder = tmp_path / "runs" / f"digits-mlp-{stamp}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_text("# an earlier run\n")
        earlier.append(folder)
    starts = [
        subprocess.Popen(
            command("train", *TINY),
            cwd=tmp_path,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [start.communicate(timeout=300) for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0], [err for _, err in outputs]
    folders = {out.split("run folder: ")[1].strip() for out, _ in outputs}
    assert len(folders) == 3
    for folder in folders:
        assert Path(folder).name.rsplit("-", 1)[1] in ("2", "3", "4")  # next free after a taken
        run = tmp_path / folder
        assert json.loads((run / "summary.json").read_text())["epochs"] == 1
        assert len((run / "metrics.jsonl").read_text().splitlines()) == 1
    assert all((f / "config.toml").read_text() == "# an earlier run\n" for f in earlier)
    assert all(sorted(p.name for p in f.iterdir()) == ["config.toml"] for f in earlier)


def test_resume_removes_the_temporaries_an_interrupted_write_left_and_nothing_else(
    trained, tmp_path
):
    copy_run(trained, tmp_path)
    stale = [".checkpoint.npz.k3j4h5l6.tmp", ".weights.npz.a_b1c2d3.tmp"]
    mine = [".mydata.npz.abcdefgh.tmp", "notes.tmp", "notes.txt"]
    for name in stale + mine:
        (tmp_path / "A" / name).write_bytes(os.urandom(1 << 20))
    resumed = hubel_cli("train", "--resume", "A", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "removed 2 temporary file(s) left by an interrupted write" in resumed.stdout
    names = {p.name for p in (tmp_path / "A").iterdir()}
    assert not names & set(stale) and set(mine) <= names


def test_resume_refuses_flags_that_differ_from_the_runs_config(trained, tmp_path):
    copy_run(trained, tmp_path)
    before = snapshot(tmp_path / "A")
    line = one_error_line(
        hubel_cli(
            "train",
            "--resume",
            "A",
            "--lr",
            "0.5",
            "--optimizer",
            "sgd",
            "--hidden",
            "7",
            cwd=tmp_path,
        )
    )
    for named in ("lr = 0.5", "optimizer = 'sgd'", "hidden = (7,)"):
        assert named in line
    line = one_error_line(hubel_cli("train", "--resume", "A", "--out", "B", cwd=tmp_path))
    assert "--out cannot be combined with --resume" in line
    assert snapshot(tmp_path / "A") == before and not (tmp_path / "B").exists()
    same = hubel_cli(
        "train", "--resume", "A", "--hidden", "8", "--optimizer", "adam", "--quiet", cwd=tmp_path
    )
    assert same.returncode == 0, same.stderr


def test_a_cosine_run_cannot_be_extended(tmp_path):
    run = hubel_cli(
        "train", *TINY, "--epochs", "2", "--scheduler", "cosine", "--out", "C", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    before = snapshot(tmp_path / "C")
    line = one_error_line(hubel_cli("train", "--resume", "C", "--epochs", "3", cwd=tmp_path))
    assert "the run's 'cosine' learning-rate schedule is laid out over its 2 epochs" in line
    assert snapshot(tmp_path / "C") == before


def test_a_failed_resume_leaves_the_run_folder_as_it_was(trained, tmp_path):
    copy_run(trained, tmp_path)
    checkpoint = tmp_path / "A" / "checkpoint.npz"
    checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    before = snapshot(tmp_path / "A")
    line = one_error_line(hubel_cli("train", "--resume", "A", "--epochs", "2", cwd=tmp_path))
    assert "checkpoint.npz" in line
    assert snapshot(tmp_path / "A") == before  # config.toml still says epochs = 1


def test_divergence_keeps_only_a_checkpoint_that_is_finite(tmp_path):
    result = hubel_cli(
        "train",
        "--optimizer",
        "sgd",
        "--momentum",
        "0",
        "--lr",
        "1e6",
        "--batch-size",
        "2000",
        "--epochs",
        "5",
        "--out",
        "D",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "the last good checkpoint (end of epoch 1, validation loss" in result.stderr
    state = load(tmp_path / "D" / "checkpoint.npz")
    assert state["epoch"] == 1
    assert non_finite_entries(state["model"]) == [] and non_finite_entries(state["optimizer"]) == []
    assert all(np.isfinite(row["val_loss"]) for row in state["history"])

    def refuse(constant):
        raise AssertionError(f"metrics.jsonl is not strict JSON: {constant}")

    lines = (tmp_path / "D" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line, parse_constant=refuse)["epoch"] for line in lines] == [1]


def test_data_root_with_the_bundled_digits_is_refused(tmp_path):
    line = one_error_line(
        hubel_cli("train", *TINY, "--data-root", "data", "--out", "A", cwd=tmp_path)
    )
    assert "data_root applies to cifar10 only" in line
    assert not (tmp_path / "A").exists()


def test_dropout_with_augment_trains_the_mlp(tmp_path):
    result = hubel_cli("train", *TINY, "--dropout", "0.2", "--augment", "--out", "A", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "A" / "summary.json").read_text())["epochs"] == 1


def test_a_bad_config_value_names_the_file_and_key(tmp_path):
    (tmp_path / "c.toml").write_text('lr = "fast"\n')
    line = one_error_line(hubel_cli("train", "--config", "c.toml", cwd=tmp_path))
    assert line == "error: config 'c.toml': key lr: expected a positive number, got 'fast' (str)"
    assert not (tmp_path / "runs").exists()


def test_ctrl_c_saves_a_checkpoint_that_resumes_to_what_config_toml_reproduces(tmp_path):
    run = subprocess.Popen(
        command("train", "--epochs", "100000", "--hidden", "8", "--out", "S"),
        cwd=tmp_path,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout.readline().startswith("epoch 1 ")
        busy = hubel_cli("train", "--resume", "S", cwd=tmp_path)  # while S is training
        assert f"in use by another hubel run (process {run.pid})" in one_error_line(busy)
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 130, err
    assert "interrupted during epoch" in err and "hubel train --resume S" in err
    assert not [p for p in (tmp_path / "S").iterdir() if p.name.endswith(".tmp")]
    state = load(tmp_path / "S" / "checkpoint.npz")
    epochs = state["epoch"] + 1  # finish the interrupted epoch, then stop
    resumed = hubel_cli("train", "--resume", "S", "--epochs", epochs, "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    again = hubel_cli("train", "--config", "S/config.toml", "--out", "T", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert_same_run(tmp_path / "S", tmp_path / "T", epochs)


def test_an_extended_constant_lr_run_is_what_its_config_reproduces(trained, tmp_path):
    copy_run(trained, tmp_path)
    extended = hubel_cli("train", "--resume", "A", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert extended.returncode == 0, extended.stderr
    assert "epochs = 2" in (tmp_path / "A" / "config.toml").read_text()
    again = hubel_cli("train", "--config", "A/config.toml", "--out", "B", "--quiet", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert_same_run(tmp_path / "A", tmp_path / "B", 2)


def assert_same_run(resumed, straight, epochs):
    """Bit-for-bit the same weights and metrics (but timings) over ``epochs`` epochs."""
    weights = load(straight / "weights.npz")
    for key, value in load(resumed / "weights.npz").items():
        np.testing.assert_array_equal(
            value.detach().numpy(), weights[key].detach().numpy(), err_msg=key
        )

    def history(folder):
        rows = [json.loads(line) for line in (folder / "metrics.jsonl").open()]
        return [
            {k: v for k, v in row.items() if k not in ("seconds", "images_per_second")}
            for row in rows
        ]

    assert history(resumed) == history(straight) and len(history(resumed)) == epochs


def test_every_option_has_help_and_the_help_states_the_run_folder_rules(tmp_path):
    from hubel.cli.main import build_parser

    subcommands = build_parser()._subparsers._group_actions[0].choices
    for name in ("train", "evaluate"):
        for action in subcommands[name]._actions:
            assert action.help, f"hubel {name} {action.option_strings or action.dest}: no help"
    shown = hubel_cli("train", "--help", cwd=tmp_path).stdout
    for fact in (
        "--overwrite",
        "already holds a run is refused",
        "-2, -3",
        "cannot change",
        "small N(0, 0.01²)",
        "exits with 130",
    ):
        assert fact in " ".join(shown.split()), fact
