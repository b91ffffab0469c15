import os
import threading

import pytest

from hubel.serialization import atomic_write_bytes
from hubel.training.run_folder import (
    LOCK_NAME,
    existing_run_files,
    lock_run_dir,
    new_run_dir,
    refuse_existing_run,
    remove_stale_temporaries,
)


def test_folders_claimed_at_the_same_moment_are_all_different(tmp_path):
    base = tmp_path / "runs" / "digits-mlp-20261201-101500"
    (tmp_path / "runs").mkdir()
    base.mkdir()  # an earlier run in the same second
    claimed, start = [], threading.Barrier(8)

    def claim():
        start.wait()
        claimed.append(new_run_dir(base))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in claimed) == sorted(f"{base.name}-{n}" for n in range(2, 10))
    assert all(p.is_dir() and not any(p.iterdir()) for p in claimed)


def test_a_folder_holding_a_run_is_refused_unless_overwriting(tmp_path):
    (tmp_path / "config.toml").write_text("epochs = 1\n")
    (tmp_path / "weights.npz").write_bytes(b"w")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=r"already holds a run \(config.toml, weights.npz\)"):
        refuse_existing_run(tmp_path)
    assert existing_run_files(tmp_path) == ["config.toml", "weights.npz"]
    assert refuse_existing_run(tmp_path, overwrite=True) == ["config.toml", "weights.npz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # not a run file: kept


def test_an_empty_or_unrelated_folder_is_accepted(tmp_path):
    (tmp_path / "README").write_text("data")
    assert refuse_existing_run(tmp_path) == []


def test_only_hubels_own_temporaries_of_run_files_are_removed(tmp_path):
    stale = [".checkpoint.npz.k3j4_h5l.tmp", ".metrics.jsonl.abcdefgh.tmp"]
    kept = [".mydata.npz.abcdefgh.tmp", "checkpoint.npz.tmp", "notes.tmp", ".checkpoint.npz"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x" * 10)
    assert remove_stale_temporaries(tmp_path) == [(name, 10) for name in sorted(stale)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_the_temporary_pattern_is_the_one_hbsave_writes(tmp_path, monkeypatch):
    def crash(*args):
        raise OSError("killed")

    monkeypatch.setattr(os, "replace", crash)
    monkeypatch.setattr("pathlib.Path.unlink", lambda self, missing_ok=False: None)
    with pytest.raises(OSError, match="killed"):
        atomic_write_bytes(tmp_path / "checkpoint.npz", b"partial")
    monkeypatch.undo()
    (left,) = tmp_path.iterdir()  # what a process killed before the rename leaves
    assert remove_stale_temporaries(tmp_path) == [(left.name, 7)]


def test_a_locked_run_folder_refuses_a_second_run_naming_the_process(tmp_path):
    with lock_run_dir(tmp_path):
        with pytest.raises(
            BlockingIOError, match=f"in use by another hubel run .process {os.getpid()}"
        ):
            with lock_run_dir(tmp_path):
                pass
    with lock_run_dir(tmp_path):  # released on exit
        assert (tmp_path / LOCK_NAME).is_file()
