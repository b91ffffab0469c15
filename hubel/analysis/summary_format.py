"""How a :class:`~hubel.analysis.summary.Summary` reads: the terminal table and Markdown.

This module sits below ``summary.py`` (which imports it) and knows a summary only by the
attributes it reads, so the two never import each other.

Numbers are printed in full with thousands separators (``1,814,073,344``), the totals also in
short units (``1.81 G``); memory in binary units (``44.59 MiB``, 1 MiB = 1024² bytes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from hubel.analysis.answer import fmt

MAC_CONVENTION = (
    "MACs count conv K_h·K_w·(C_in/groups)·C_out·H_out·W_out and linear in·out (and matmul), "
    "nothing else; FLOPs = 2 x MACs; torchvision's published GFLOPS are these MACs. Other ops: "
    "bias adds, BN (2 per value), activations, pooling, residual adds (1 per value); "
    "concatenation and reshapes copy (0)."
)


_UNITS = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


def human_count(number: int) -> str:
    """``1814073344`` → ``'1.81 G'``; ``9472`` → ``'9.47 k'``; ``512`` → ``'512'``."""
    for size, unit in _UNITS:
        if abs(number) >= size:
            return f"{number / size:.2f} {unit}"
    return str(number)


def human_bytes(number: int) -> str:
    """``46758048`` → ``'44.59 MiB'``; ``640`` → ``'640 B'``."""
    for power, unit in ((4, "TiB"), (3, "GiB"), (2, "MiB"), (1, "KiB")):
        if number >= 1024**power:
            return f"{number / 1024**power:.2f} {unit}"
    return f"{number} B"


def shapes_text(shapes: Sequence[tuple[int, ...]]) -> str:
    """``[1, 64, 56, 56]``; equal inputs ``2 x [1, 64, 56, 56]``; else the first and a count."""
    if not shapes:
        return "-"
    first = "[" + ", ".join(str(size) for size in shapes[0]) + "]"
    if len(shapes) == 1:
        return first
    if all(shape == shapes[0] for shape in shapes):
        return f"{len(shapes)} x {first}"
    return f"{first} +{len(shapes) - 1} more"


def _columns(summary) -> list[tuple[str, str, list[str]]]:
    """(header, justify, cells) for each column; frozen and buffers only when there are any."""
    rows = summary.rows
    columns = [
        ("layer", "left", [row.name + (f" ({row.note})" if row.note else "") for row in rows]),
        ("type", "left", [row.layer_type for row in rows]),
        ("input", "right", [shapes_text(row.input_shapes) for row in rows]),
        ("output", "right", [shapes_text(row.output_shapes) for row in rows]),
        ("params", "right", [fmt(row.trainable_params) for row in rows]),
    ]
    if summary.non_trainable_params:
        columns.append(("frozen", "right", [fmt(row.non_trainable_params) for row in rows]))
    if summary.total_buffers:
        columns.append(("buffers", "right", [fmt(row.buffers) for row in rows]))
    columns.append(("MACs", "right", [fmt(row.macs) for row in rows]))
    columns.append(("other ops", "right", [fmt(row.other_ops) for row in rows]))
    return columns


def _total_cells(summary) -> list[str]:
    cells = ["total", "", "", "", fmt(summary.trainable_params)]
    if summary.non_trainable_params:
        cells.append(fmt(summary.non_trainable_params))
    if summary.total_buffers:
        cells.append(fmt(summary.total_buffers))
    return cells + [fmt(summary.total_macs), fmt(summary.total_other_ops)]


def with_units(number: int) -> str:
    """``1,814,073,344 (1.81 G)``; below a thousand just the number."""
    return fmt(number) if abs(number) < 1000 else f"{fmt(number)} ({human_count(number)})"


def totals_lines(summary) -> list[str]:
    """The lines under the table: totals, memory, and the MAC convention."""
    s = summary
    batch = f"batch {s.batch_size}, input {list(s.input_size)}, {s.dtype}"
    training_parts = (
        f"forward + activation gradients {human_bytes(s.activation_bytes)} + parameter "
        f"gradients {human_bytes(s.trainable_param_bytes)}"
    )
    lines = [
        f"{s.model_name} ({batch})",
        f"params: {with_units(s.total_params)}: trainable "
        f"{fmt(s.trainable_params)}, non-trainable {fmt(s.non_trainable_params)}; buffers "
        f"(running statistics, not learned): {fmt(s.total_buffers)}",
        f"MACs: {with_units(s.total_macs)}; FLOPs = 2 x MACs = {with_units(s.total_flops)}; "
        f"other ops: {with_units(s.total_other_ops)}",
        f"network depth: {s.network_depth} conv/linear layers on the longest path",
        f"memory: parameters {human_bytes(s.param_bytes)}, buffers {human_bytes(s.buffer_bytes)}"
        f", input {human_bytes(s.input_bytes)}, activations {human_bytes(s.activation_bytes)} "
        "(every row's output)",
        f"memory to run: forward {human_bytes(s.forward_bytes)} (parameters, buffers, input, "
        f"activations); training ≈ {human_bytes(s.training_bytes)} ({training_parts}; "
        "optimizer state not included)",
        f"convention: {MAC_CONVENTION}",
        *s.folding,
    ]
    return lines + [f"warning: {message}" for message in s.warnings]


# ------------------------------------------------------------------------------ terminal
def _table(columns, widths: list[int], show_header: bool):
    from hubel.analysis.tables import make_table  # rich's, or plain text without rich

    table = make_table(box="SIMPLE_HEAD", show_header=show_header, show_edge=False)
    for (header, justify, _), width in zip(columns, widths):
        table.add_column(header, justify=justify, width=width, no_wrap=True)
    return table


def print_table(summary, console) -> None:
    """Print the table on a rich ``console``; with ``summary.explain``, each row's worked steps
    right under it (the table is cut there, and its pieces keep the same column widths)."""
    columns = _columns(summary)
    widths = [max(len(header), *map(len, cells)) for header, _, cells in columns]
    widths = [max(width, len(total)) for width, total in zip(widths, _total_cells(summary))]
    table = _table(columns, widths, show_header=True)
    for index, row in enumerate(summary.rows):
        table.add_row(*(cells[index] for _, _, cells in columns))
        if summary.explain and row.steps:
            console.print(table)
            for step in row.steps:
                console.print(f"    {step}", style="dim", markup=False, highlight=False)
            table = _table(columns, widths, show_header=False)
    table.add_section()
    table.add_row(*_total_cells(summary), style="bold")
    console.print(table)
    for line in totals_lines(summary):
        style = "yellow" if line.startswith("warning") else None
        console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def table_text(summary, width: int = 200) -> str:
    """The terminal table as plain text (what ``print(summary)`` shows)."""
    from hubel.analysis.tables import make_console

    out = io.StringIO()
    print_table(summary, make_console(file=out, width=width))  # not a terminal: no colours
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


# ------------------------------------------------------------------------------ Markdown
def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown(summary) -> str:
    """A GitHub Markdown table, the totals under it, then the worked steps when explaining."""
    columns = _columns(summary)
    lines = [
        _markdown_row([header for header, _, _ in columns]),
        _markdown_row(["---" if justify == "left" else "---:" for _, justify, _ in columns]),
    ]
    lines += [
        _markdown_row([cells[index] for _, _, cells in columns])
        for index in range(len(summary.rows))
    ]
    lines.append(_markdown_row([f"**{cell}**" if cell else "" for cell in _total_cells(summary)]))
    lines.append("")
    lines += [f"- {line}" for line in totals_lines(summary)]
    if summary.explain:
        for row in summary.rows:
            if row.steps:
                lines += [
                    "",
                    f"**{row.name}** ({row.layer_type})",
                    "",
                    "```text",
                    *row.steps,
                    "```",
                ]
    return "\n".join(lines) + "\n"
