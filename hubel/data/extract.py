"""Safe, atomic extraction of one folder from a tar archive.

Every member is checked before anything is written: only regular files and folders under the
expected top folder, no absolute paths, no ``..``, no links or devices. The folder is extracted
beside its destination under a temporary name and renamed into place at the end, so an
interrupted extraction never leaves a folder that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath


class UnsafeArchiveError(ValueError):
    """An archive member would escape the destination, or is not a plain file or folder."""


def _check_member(member: tarfile.TarInfo, archive: Path, top: str) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts:
        raise UnsafeArchiveError(f"{archive}: refusing member {member.name!r} (escapes the folder)")
    if not (member.isfile() or member.isdir()):
        raise UnsafeArchiveError(
            f"{archive}: refusing member {member.name!r} (not a plain file or folder)"
        )
    if path.parts[0] != top:
        raise UnsafeArchiveError(
            f"{archive}: refusing member {member.name!r} (expected everything under {top}/)"
        )


def extract_folder(archive: Path, destination: Path, top: str) -> Path:
    """Extract the tar ``archive``, whose members all lie under ``top/``, into ``destination``.

    Returns ``destination / top``. Raises :class:`UnsafeArchiveError` (writing nothing) if any
    member is unsafe, and ``FileExistsError`` if ``destination / top`` already exists.
    """
    target = Path(destination) / top
    if target.exists():
        raise FileExistsError(f"{target} already exists; delete it to extract {archive} again")
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member, archive, top)
        staging = Path(tempfile.mkdtemp(prefix=f".{top}-", dir=destination))
        try:
            # The "data" filter (Python >= 3.11.4) repeats the checks above and drops modes.
            extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(staging, members=members, **extra)
            os.replace(staging / top, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
