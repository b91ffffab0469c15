"""The run folder on disk: created once and never overwritten unasked, locked while a run
writes to it, and swept of the temporary files that an interrupted write left behind.

    run_dir = new_run_dir(Path("runs") / "digits-mlp-20261201-101500")   # -2, -3, ... if taken
    with lock_run_dir(run_dir):
        refuse_existing_run(run_dir, overwrite=False)
        remove_stale_temporaries(run_dir)
        ...
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .checkpoint import CHECKPOINT_NAME

CONFIG_NAME = "config.toml"
METRICS_NAME = "metrics.jsonl"
SUMMARY_NAME = "summary.json"
# Every file a run writes; a folder holding any of them holds a run.
RUN_FILES = (
    CONFIG_NAME,
    METRICS_NAME,
    CHECKPOINT_NAME,
    "best.npz",
    "weights.npz",
    SUMMARY_NAME,
    "curves.png",
    "confusion.png",
)
LOCK_NAME = ".hubel.lock"
# hb.save writes ".NAME.<random>.tmp" beside NAME and renames it over NAME; a process killed
# between the two leaves it behind (a checkpoint's is as large as the model and its optimizer).
_NAMES = "|".join(map(re.escape, RUN_FILES))
_TEMPORARY = re.compile(rf"\.(?:{_NAMES})\.[A-Za-z0-9_]+\.tmp")


def new_run_dir(base: str | os.PathLike) -> Path:
    """Create and return a folder that did not exist: ``base``, else ``base-2``, ``base-3``, ...

    ``os.mkdir`` either creates the folder or fails because it exists, in one step, so runs
    started at the same moment with the same name each get a folder of their own.
    """
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, number = base, 1
    while True:
        try:
            os.mkdir(candidate)
            return candidate
        except FileExistsError:
            number += 1
            candidate = base.with_name(f"{base.name}-{number}")


def default_run_dir(dataset: str, model: str) -> Path:
    """A new folder ``runs/DATASET-MODEL-YYYYmmdd-HHMMSS`` (with ``-2``, ... if taken)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return new_run_dir(Path("runs") / f"{dataset}-{model}-{stamp}")


def existing_run_files(run_dir: str | os.PathLike) -> list[str]:
    """The names of the run files (``RUN_FILES``) present in ``run_dir``."""
    return [name for name in RUN_FILES if (Path(run_dir) / name).exists()]


def refuse_existing_run(run_dir: str | os.PathLike, overwrite: bool = False) -> list[str]:
    """Make sure a new run may write to ``run_dir``; returns the run files it removed.

    A folder that already holds a run is refused (``FileExistsError``) unless ``overwrite``,
    which deletes that run's files (and nothing else in the folder).
    """
    found = existing_run_files(run_dir)
    if found and not overwrite:
        raise FileExistsError(
            f"run folder {str(run_dir)!r} already holds a run ({', '.join(found)}); continue "
            f"it with `hubel train --resume {run_dir}`, pick another folder with --out, or "
            f"pass --overwrite to replace it"
        )
    for name in found:
        (Path(run_dir) / name).unlink()
    return found


def remove_stale_temporaries(run_dir: str | os.PathLike) -> list[tuple[str, int]]:
    """Delete the temporary files an interrupted write of a run file left in ``run_dir``
    (only hubel's own pattern, ``.NAME.<random>.tmp`` for NAME in ``RUN_FILES``).

    Call it while holding :func:`lock_run_dir`: no other run is writing then. Returns the
    ``(name, size in bytes)`` of each file removed.
    """
    removed = []
    for path in sorted(Path(run_dir).iterdir()):
        if _TEMPORARY.fullmatch(path.name) and path.is_file():
            size = path.stat().st_size
            path.unlink(missing_ok=True)
            removed.append((path.name, size))
    return removed


@contextlib.contextmanager
def lock_run_dir(run_dir: str | os.PathLike) -> Iterator[None]:
    """Hold ``run_dir`` for one run: a second run (or resume) of the same folder while this
    one is alive fails at once with ``BlockingIOError`` naming the process that holds it.

    The lock is the operating system's (``flock`` on the folder's ``.hubel.lock``): it is
    released when the process ends, however it ends, so a killed run never leaves the folder
    locked. On systems without ``fcntl`` (Windows) runs are not locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks in the stdlib
        yield
        return
    fd = os.open(Path(run_dir) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BlockingIOError(
                f"run folder {str(run_dir)!r} is in use by another hubel run (process "
                f"{holder}); wait for it to finish, or stop it first (Ctrl-C saves a checkpoint)",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
