"""Where a command writes: checked before any work is done, so a bad ``--out`` fails at once.

A file may go into an existing folder, or into one new folder whose parent exists: hubel
creates at most the folder the user named, never a chain of folders (a typo such as
``/nonexistent/dir/c.png`` is refused instead of creating ``/nonexistent``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def _check_folder_can_exist(
    folder: Path, name: str, file: Path | None = None, create_parents: bool = False
) -> None:
    """``folder`` exists as a folder, or only it is missing (its parent is a folder); with
    ``create_parents``, any missing folders are fine as long as none of them is a file."""
    for part in (folder, *folder.parents):
        if part.exists() and not part.is_dir():
            raise NotADirectoryError(f"{name}: {part} is a file, not a folder")
        if part.exists():
            break
    if not (create_parents or folder.exists() or folder.parent.is_dir()):
        target = f" for {file.name}" if file is not None else ""
        raise FileNotFoundError(
            f"{name}: the folder {folder.parent} does not exist; create it first (hubel "
            f"creates only the last folder{target}, {folder.name})"
        )


def check_output_file(path: str | os.PathLike, name: str, suffixes: Sequence[str] = ()) -> Path:
    """``path`` as a ``Path`` if a file can be written there; else an error naming ``name``.

    Args:
        path: the file to write.
        name: the option or argument it came from, for the message (``"--out"``).
        suffixes: the accepted endings (``(".png", ".svg")``); empty: any.

    Raises:
        ValueError: the ending is not one of ``suffixes``.
        IsADirectoryError: ``path`` is an existing folder.
        NotADirectoryError / FileNotFoundError: its folder cannot be created by one mkdir.
    """
    path = Path(path)
    if suffixes and path.suffix.lower() not in suffixes:
        raise ValueError(
            f"{name}: expected a file name ending in {', '.join(suffixes)}, got {str(path)!r}"
        )
    if path.is_dir():
        raise IsADirectoryError(f"{name}: {path} is a folder; give a file name inside it")
    _check_folder_can_exist(path.parent, name, path)
    return path


def check_output_folder(path: str | os.PathLike, name: str, create_parents: bool = False) -> Path:
    """``path`` as a ``Path`` if it is a folder or can be made by one mkdir (by several with
    ``create_parents``, for a command's own default such as ``runs/lab``); else an error."""
    path = Path(path)
    _check_folder_can_exist(path, name, create_parents=create_parents)
    return path


def make_parent(path: Path) -> Path:
    """Create ``path``'s folder if it is missing (only that one, see the module docstring)."""
    path.parent.mkdir(exist_ok=True)
    return path
