"""Tables on the terminal: rich's when it is installed, else the same table as plain text.

rich is an optional extra (``pip install hubel[cli]``); after a plain ``pip install hubel``
every command still prints its tables, as aligned columns of text:

    Convolution
    layer      input     output  params         MACs
    ------  --------  ---------  ------  -----------
    Conv2d  3x32x32   6x28x28      456      352,800

:func:`make_console` and :func:`make_table` return rich's ``Console`` and ``Table`` when they
can, else :class:`PlainConsole` and :class:`PlainTable`, which accept the same calls
(``add_column``, ``add_row``, ``add_section``, ``console.print``) and ignore the styling.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO


class PlainTable:
    """The part of ``rich.table.Table`` the commands use, rendered as aligned plain text."""

    def __init__(self, title: str | None = None, caption: str | None = None, **_styling) -> None:
        self.title, self.caption = title, caption
        self.show_header = _styling.get("show_header", True)
        self.columns: list[tuple[str, str, int | None]] = []  # (header, justify, width)
        self.rows: list[list[str] | None] = []  # None marks a section break

    def add_column(
        self, header: str = "", justify: str = "left", width: int | None = None, **_styling
    ) -> None:
        self.columns.append((header, justify, width))

    def add_row(self, *cells: str, **_styling) -> None:
        self.rows.append([str(cell) for cell in cells])

    def add_section(self) -> None:
        self.rows.append(None)

    def lines(self) -> list[str]:
        """The table as lines: title, header, a rule, the rows (a rule at each section)."""
        shown = [row for row in self.rows if row is not None]
        if self.show_header:
            shown.append([header for header, _, _ in self.columns])
        widths = [
            max([width or 0, *(len(row[index]) for row in shown if index < len(row))])
            for index, (_, _, width) in enumerate(self.columns)
        ]
        rule = "  ".join("-" * width for width in widths)

        def line(cells: list[str]) -> str:
            padded = [
                cell.rjust(width) if justify == "right" else cell.ljust(width)
                for cell, width, (_, justify, _) in zip(cells, widths, self.columns)
            ]
            return "  ".join(padded).rstrip()

        lines = [self.title] if self.title else []
        if self.show_header:
            lines += [line([header for header, _, _ in self.columns]), rule]
        lines += [rule if row is None else line(row) for row in self.rows]
        return lines + ([self.caption] if self.caption else [])


class PlainConsole:
    """The part of ``rich.console.Console`` the commands use: ``print`` of text and tables."""

    def __init__(self, file: TextIO | None = None, width: int | None = None, **_options) -> None:
        self.file = file
        self.width = width or shutil.get_terminal_size().columns

    @property
    def is_terminal(self) -> bool:
        stream = self.file or sys.stdout
        return hasattr(stream, "isatty") and stream.isatty()

    def print(self, *objects: object, **_styling) -> None:
        stream = self.file or sys.stdout  # looked up now, so a redirected stdout is followed
        for item in objects or ("",):
            text = "\n".join(item.lines()) if isinstance(item, PlainTable) else str(item)
            print(text, file=stream)


def make_console(min_width: int = 0, **options):
    """A rich ``Console(**options)``, else a :class:`PlainConsole`. When the output is not a
    terminal (piped, captured), it is at least ``min_width`` wide, so tables and worked steps
    keep each row on one line."""
    try:
        from rich.console import Console
    except ImportError:
        return PlainConsole(**options)
    console = Console(**options)
    if not console.is_terminal:
        console.width = max(console.width, min_width)
    return console


def make_table(box: str | None = None, **options):
    """A rich ``Table(**options)`` (``box`` names a style of ``rich.box``, e.g.
    ``"SIMPLE_HEAD"``), else a :class:`PlainTable` with the same title, caption and columns."""
    try:
        import rich.box
        from rich.table import Table
    except ImportError:
        return PlainTable(**options)
    return Table(**options, **({"box": getattr(rich.box, box)} if box else {}))
