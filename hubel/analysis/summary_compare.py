"""Models side by side: parameters, MACs, depth and memory, as a table and a bar chart.

>>> import hubel as hb
>>> small = hb.summary(hb.models.get_model("lenet5"), (1, 32, 32), name="lenet5")
>>> comparison_rows([small])[0]["params"]
61706
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hubel.analysis.summary import Summary
from hubel.analysis.summary_format import MAC_CONVENTION, human_bytes, human_count, with_units
from hubel.outputs import check_output_file, make_parent

# what Figure.savefig writes with matplotlib and its own dependencies
PLOT_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def _check(summaries: Sequence[Summary]) -> list[Summary]:
    summaries = list(summaries)
    if not summaries or not all(isinstance(s, Summary) for s in summaries):
        raise TypeError(f"summaries: expected a non-empty list of Summary, got {summaries!r}")
    return summaries


def _input_text(s: Summary) -> str:
    """``3x224x224``, with the batch when it is not 1: ``3x224x224 (batch 8)``."""
    text = "x".join(map(str, s.input_size))
    return text if s.batch_size == 1 else f"{text} (batch {s.batch_size})"


def comparison_rows(summaries: Sequence[Summary]) -> list[dict]:
    """One dict of plain numbers per model: params, MACs, FLOPs, depth and memory in bytes."""
    return [
        {
            "model": s.model_name,
            "input_size": list(s.input_size),
            "params": s.total_params,
            "macs": s.total_macs,
            "flops": s.total_flops,
            "network_depth": s.network_depth,
            "param_bytes": s.param_bytes,
            "activation_bytes": s.activation_bytes,
            "training_bytes": s.training_bytes,
        }
        for s in _check(summaries)
    ]


def print_comparison(summaries: Sequence[Summary], console) -> None:
    """The side-by-side table on ``console`` (:func:`hubel.analysis.tables.make_console`)."""
    from hubel.analysis.tables import make_table

    table = make_table(title="models side by side")
    table.add_column("model")
    headers = ("input", "params", "MACs", "FLOPs", "depth", "parameters", "activations")
    for header in (*headers, "training ≈"):
        table.add_column(header, justify="right", no_wrap=True)
    for s in _check(summaries):
        table.add_row(
            s.model_name,
            _input_text(s),
            with_units(s.total_params),
            with_units(s.total_macs),
            human_count(s.total_flops),
            str(s.network_depth),
            human_bytes(s.param_bytes),
            human_bytes(s.activation_bytes),
            human_bytes(s.training_bytes),
        )
    console.print(table)
    console.print(
        "depth: conv/linear layers on the longest path; memory: see `hubel summary`; "
        f"convention: {MAC_CONVENTION}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def check_plot_path(path: str | os.PathLike, name: str = "path") -> Path:
    """``path`` as a ``Path`` if :func:`plot_comparison` can write a chart there: an ending of
    :data:`PLOT_SUFFIXES`, in an existing folder or one new folder (see :mod:`hubel.outputs`)."""
    return check_output_file(path, name, PLOT_SUFFIXES)


def plot_comparison(summaries: Sequence[Summary], path: str | Path) -> Path:
    """Save a bar chart of each model's parameters and MACs (log scale) at ``path``, as PNG,
    SVG, PDF or JPEG by its ending. Needs matplotlib (``pip install hubel[plot]``)."""
    summaries = _check(summaries)
    path = check_plot_path(path)
    from matplotlib.figure import Figure

    names = [s.model_name for s in summaries]
    figure = Figure(figsize=(max(6.0, 1.2 * len(names) + 2), 4.5), layout="constrained")
    panels = figure.subplots(1, 2)
    series = (
        ("parameters", [s.total_params for s in summaries], "tab:blue"),
        ("MACs (FLOPs = 2 x MACs)", [s.total_macs for s in summaries], "tab:orange"),
    )
    for axes, (title, values, colour) in zip(panels, series):
        bars = axes.bar(names, values, color=colour)
        axes.set_yscale("log")
        axes.set_title(title)
        axes.bar_label(bars, labels=[human_count(v) for v in values], fontsize=8)
        axes.tick_params(axis="x", labelrotation=30)
        axes.margins(y=0.15)
    inputs = sorted({_input_text(s) for s in summaries})
    figure.suptitle(f"input {inputs[0]}" if len(inputs) == 1 else "each model at its own input")
    make_parent(path)
    figure.savefig(path, dpi=120)
    return path
