"""Progress display: a rich progress bar on a terminal, one plain line per epoch otherwise (so
CI logs and redirected output stay readable)."""

from __future__ import annotations

import sys


def _epoch_line(row: dict) -> str:
    parts = [
        f"epoch {row['epoch']}",
        f"loss {row['train_loss']:.4f}",
        f"acc {row['train_accuracy']:.2%}",
    ]
    if "val_loss" in row:
        parts += [f"val_loss {row['val_loss']:.4f}", f"val_acc {row['val_accuracy']:.2%}"]
    parts += [f"{row['images_per_second']:,.0f} img/s", f"{row['seconds']:.1f}s"]
    return "  ".join(parts)


class PlainProgress:
    """One line per epoch on stdout; nothing per batch."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def start_epoch(self, epoch, epochs, batches, first_batch=0):
        pass

    def update(self, batch, loss, accuracy, images_per_second):
        pass

    def end_epoch(self, row: dict) -> None:
        if not self.quiet:
            print(_epoch_line(row), flush=True)


class RichProgress(PlainProgress):
    """A live bar per epoch with loss, accuracy and images/s (the ``rich`` library)."""

    def __enter__(self):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._progress.__enter__()
        self._task = None
        return self

    def __exit__(self, *exc):
        return self._progress.__exit__(*exc)

    def start_epoch(self, epoch, epochs, batches, first_batch=0):
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(
            f"epoch {epoch}/{epochs}", total=batches, completed=first_batch, stats=""
        )

    def update(self, batch, loss, accuracy, images_per_second):
        stats = f"loss {loss:.4f}  acc {accuracy:.2%}  {images_per_second:,.0f} img/s"
        self._progress.update(self._task, completed=batch, stats=stats)

    def end_epoch(self, row: dict) -> None:
        self._progress.console.print(_epoch_line(row))


def make_progress(enabled: bool | None):
    """``None``: a bar when stdout is a terminal and rich is installed, else plain lines.
    ``False``: silent."""
    if enabled is False:
        return PlainProgress(quiet=True)
    if enabled is None and not sys.stdout.isatty():
        return PlainProgress()
    try:
        import rich  # noqa: F401
    except ImportError:
        return PlainProgress()
    return RichProgress()
