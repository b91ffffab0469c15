"""Checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint holds the model, the optimizer (its moments), the scheduler, the data loaders'
generators, the global generator (dropout masks), the epoch, the metric history and, when the
run was interrupted mid-epoch, the running sums of that epoch. It is written with ``hb.save``,
which writes a temporary file and renames it: a crash mid-write leaves the previous checkpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..serialization import load, save

CHECKPOINT_NAME = "checkpoint.npz"


def checkpoint_path(run_dir: str | os.PathLike) -> Path:
    return Path(run_dir) / CHECKPOINT_NAME


def save_checkpoint(run_dir: str | os.PathLike, state: dict) -> Path:
    """Write ``state`` atomically to ``run_dir/checkpoint.npz`` and return the path."""
    path = checkpoint_path(run_dir)
    save(state, path)
    return path


def load_checkpoint(run_dir: str | os.PathLike) -> dict:
    """Read ``run_dir/checkpoint.npz``; a clear error when there is none."""
    path = checkpoint_path(run_dir)
    if not path.is_file():
        raise FileNotFoundError(
            f"resume: no checkpoint at {str(path)!r}; pass the run folder that a previous "
            f"`hubel train` wrote (it holds {CHECKPOINT_NAME})"
        )
    return load(path)
