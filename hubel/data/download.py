"""Download a file into a cache folder: resumable, checksummed, atomic.

The bytes go to ``<name>.part`` beside the final file. An interrupted download is resumed with
an HTTP ``Range`` request (from scratch when the server ignores it), and only a ``.part`` whose
size and md5 match is renamed to ``<name>``. So the final name never holds a partial or corrupt
file: whatever sits there has passed the checksum (or is checked before use by :func:`verify`).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """Where a file comes from and how to recognise it: ``url``, the ``filename`` it is stored
    under, its ``md5`` (hex) and its ``size`` in bytes (``None``: unknown)."""

    url: str
    filename: str
    md5: str
    size: int | None = None


class DownloadError(OSError):
    """The file could not be fetched (no network, server error, connection lost)."""


class ChecksumError(ValueError):
    """A downloaded or placed file does not match its expected size or md5."""


def file_md5(path: Path) -> str:
    """The md5 of the file at ``path``, as hex, read in 1 MiB chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, remote: RemoteFile) -> None:
    """Check ``path`` against ``remote``'s size and md5; delete it and raise if it differs."""
    size = path.stat().st_size
    problem = None
    if remote.size is not None and size != remote.size:
        problem = f"size {size:,} bytes, expected {remote.size:,}"
    else:
        md5 = file_md5(path)
        if md5 != remote.md5:
            problem = f"md5 {md5}, expected {remote.md5}"
    if problem is not None:
        path.unlink()
        raise ChecksumError(
            f"{path} is corrupt ({problem}); it was deleted, so the next attempt downloads "
            f"it afresh from {remote.url}"
        )


def download(
    remote: RemoteFile,
    folder: Path,
    *,
    attempts: int = 3,
    timeout: float = 30.0,
    progress: bool | None = None,
    hint: str = "",
) -> Path:
    """Fetch ``remote`` into ``folder`` and return the verified file's path.

    Up to ``attempts`` tries, each resuming where the last stopped. ``progress``: show a rich
    progress bar (default: only when stdout is a terminal). ``hint`` is appended to the error
    when every attempt fails (e.g. how to place the file by hand).
    """
    folder = Path(folder)
    final = folder / remote.filename
    if final.exists():
        verify(final, remote)
        return final
    folder.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    if progress is None:
        progress = sys.stdout.isatty()
    failure: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            _fetch(remote, part, timeout, progress)
            failure = None
            break
        except (OSError, http.client.HTTPException) as error:
            failure = error
    if failure is not None:
        reason = getattr(failure, "reason", None) or failure
        message = f"could not download {remote.url} ({reason})"
        raise DownloadError(f"{message}\n{hint}" if hint else message) from None
    verify(part, remote)
    os.replace(part, final)
    return final


def _fetch(remote: RemoteFile, part: Path, timeout: float, progress: bool) -> None:
    """One attempt: append the missing bytes of ``remote`` to ``part``."""
    import urllib.error
    import urllib.request

    offset = part.stat().st_size if part.exists() else 0
    if remote.size is not None and offset >= remote.size:
        if offset > remote.size:
            part.unlink()
            raise DownloadError(f"{part} was longer than {remote.size:,} bytes; discarded it")
        return
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    request = urllib.request.Request(remote.url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416:  # the server has no bytes past ours: the .part is no good
            part.unlink()
        raise
    with response:
        resumed = response.status == 206 and response.headers.get("Content-Range", "").startswith(
            f"bytes {offset}-"
        )
        if not resumed:
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else remote.size
        written = offset
        with (
            open(part, "ab" if resumed else "wb") as stream,
            _Progress(progress, remote.filename, total, offset) as bar,
        ):
            while chunk := response.read(CHUNK_BYTES):
                stream.write(chunk)
                written += len(chunk)
                bar.advance(len(chunk))
    # http.client ends a body early without an error when the server hangs up: check the count.
    if total is not None and written != total:
        raise DownloadError(f"connection closed after {written:,} of {total:,} bytes")


class _Progress:
    """A rich progress bar when ``enabled`` (rich imported only then), else nothing."""

    def __init__(self, enabled: bool, name: str, total: int | None, done: int) -> None:
        self.bar = None
        if enabled:
            try:
                from rich.progress import DownloadColumn, Progress, TransferSpeedColumn
            except ImportError:
                return
            self.bar = Progress(
                *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn()
            )
            self.task = self.bar.add_task(name, total=total, completed=done)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
