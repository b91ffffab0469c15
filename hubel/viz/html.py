"""Rich displays for Jupyter: the ``_repr_html_`` of hubel's objects, one function each.

Each class keeps a one-line ``_repr_html_`` that calls the function here, so the markup lives
in one place and the classes stay what they are. Plain HTML with inline styles (no scripts, no
external CSS), readable in JupyterLab's light and dark themes and in exported notebooks.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

BOX = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 12px; line-height: 1.45; "
    "border-left: 3px solid #3567a8; padding: 4px 10px; margin: 2px 0"
)
TABLE = "border-collapse: collapse; font-family: var(--jp-code-font-family, monospace)"
CELL = "padding: 1px 10px; border-bottom: 1px solid rgba(128, 128, 128, 0.25)"


def _escape(value) -> str:
    return html.escape(str(value))


def _box(title: str, body: str) -> str:
    return f'<div style="{BOX}"><div><b>{title}</b></div>{body}</div>'


def _table(
    header: list[str], rows: list[list[str]], right: set[int] = frozenset(), total=None
) -> str:
    """An HTML table; ``right`` holds the indices of right-aligned (numeric) columns; ``total``
    is a last row in bold."""

    def cells(values, tag, bold=False):
        out = []
        for index, value in enumerate(values):
            align = "right" if index in right else "left"
            text = f"<b>{_escape(value)}</b>" if bold and value else _escape(value)
            out.append(f'<{tag} style="{CELL}; text-align: {align}">{text}</{tag}>')
        return "<tr>" + "".join(out) + "</tr>"

    body = "".join(cells(row, "td") for row in rows)
    body += cells(total, "td", bold=True) if total is not None else ""
    head = cells(header, "th")
    return f'<table style="{TABLE}"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _pre(text: str) -> str:
    return f'<pre style="margin: 4px 0; white-space: pre">{_escape(text)}</pre>'


def tensor_html(tensor) -> str:
    """Shape, dtype, device, grad_fn or requires_grad, then the values as ``repr`` prints them
    (truncated past 1,000 values to the first and last three along each axis, as in PyTorch)."""
    facts = [f"shape {tuple(int(n) for n in tensor.shape)}", str(tensor.dtype), tensor.device]
    if tensor._fn is not None:
        facts.append(f"grad_fn=&lt;{tensor._fn.__name__}Backward&gt;")
    elif tensor.requires_grad:
        facts.append("requires_grad=True")
    title = f"{type(tensor).__name__} <span style='font-weight: normal'>· {' · '.join(facts)}"
    title += "</span>"
    return _box(title, _pre(repr(tensor)))


def _count(module) -> int:
    return sum(p.data.size for p in module.parameters())


def _module_label(name: str, module) -> str:
    label = (f"<b>{_escape(name)}</b> " if name else "") + _escape(
        f"{type(module).__name__}({module.extra_repr()})"
    )
    params = _count(module)
    return label + (f" <span style='opacity: 0.65'>· {params:,} params</span>" if params else "")


OPEN_ALL = 40  # a model with at most this many modules shows its whole tree; larger ones
# (a ResNet has hundreds) show their top level, each block a click away


def _module_tree(name: str, module, open_all: bool) -> str:
    children = list(module.named_children())
    if not children:
        return f'<div style="margin-left: 1.1em">{_module_label(name, module)}</div>'
    inner = "".join(_module_tree(child_name, child, open_all) for child_name, child in children)
    label = _module_label(name, module)
    opened = '<details open="" ' if open_all else "<details "
    return f'{opened}style="margin-left: 1.1em"><summary>{label}</summary>{inner}</details>'


def module_html(module) -> str:
    """The module tree as ``print(model)`` shows it, collapsible (all open for a small model, the
    top level for a large one), each module with its parameter count; the title gives the
    totals and the mode."""
    total = _count(module)
    trainable = sum(p.data.size for p in module.parameters() if p.requires_grad)
    mode = "training" if module.training else "eval"
    title = (
        f"{_escape(type(module).__name__)} <span style='font-weight: normal'>· {total:,} "
        f"parameters ({trainable:,} trainable) · {mode} mode</span>"
    )
    children = list(module.named_children())
    if not children:
        return _box(title, f"<div>{_module_label('', module)}</div>")
    open_all = sum(1 for _ in module.modules()) <= OPEN_ALL
    return _box(title, "".join(_module_tree(name, child, open_all) for name, child in children))


def summary_html(summary) -> str:
    """The summary's table (as ``print`` shows it) and the totals and memory under it."""
    from hubel.analysis.summary_format import _columns, _total_cells, totals_lines

    columns = _columns(summary)
    header = [name for name, _, _ in columns]
    right = {index for index, (_, justify, _) in enumerate(columns) if justify == "right"}
    rows = [[cells[i] for _, _, cells in columns] for i in range(len(summary.rows))]
    table = _table(header, rows, right, total=_total_cells(summary))
    lines = "".join(f"<div>{_escape(line)}</div>" for line in totals_lines(summary))
    return _box(_escape(summary.model_name), table + lines)


def fold_html(result) -> str:
    """The folded pairs as a table, the BatchNorms left in place, then the worked report."""
    rows = [
        [p.layer, p.batchnorm, p.layer_type, f"{p.channels:,}", f"{p.scale:.6g}"]
        for p in result.folded
    ]
    table = _table(["layer", "BatchNorm", "type", "channels", "s (channel 0)"], rows, {3, 4})
    skipped = "".join(
        f"<div>left in place: {_escape(s.name)}: {_escape(s.reason)}</div>" for s in result.skipped
    )
    title = (
        f"BN folding <span style='font-weight: normal'>· {len(result.folded)} absorbed · "
        f"{len(result.skipped)} left in place</span>"
    )
    report = f"<details><summary>worked numbers</summary>{_pre(result.report())}</details>"
    return _box(title, table + skipped + report)


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...``: a PNG inline in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def lab_html(result) -> str:
    """The experiment's lesson, its key numbers, its figure, and how it was run."""
    experiment = result.experiment
    with tempfile.TemporaryDirectory() as folder:
        figure = Path(experiment.render(result.data, Path(folder) / f"{experiment.name}.png"))
        image = f'<img src="{png_data_uri(figure.read_bytes())}" style="max-width: 100%"/>'
    rows = [[label, _number(value)] for label, value in result.numbers.items()]
    form = "quick" if result.quick else "full"
    run = f"{form} form, seed {result.seed}, {result.seconds:.1f} s"
    footer = f"<div style='opacity: 0.65'>{run}</div>"
    body = f"<div>{_escape(experiment.lesson)}</div>" + _table(["", "value"], rows, {1})
    return _box(f"lab: {_escape(experiment.name)}", body + image + footer)


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
