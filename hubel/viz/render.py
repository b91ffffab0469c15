"""Drawing a laid-out graph: SVG text (no dependency), DOT text, and PNG through matplotlib.

All three draw the same boxes: ops grey, collapsed modules amber, leaves that require grad
blue, other leaves (inputs, targets) white with a dashed border, the root outlined in green.
Text is monospace, so a box's width follows from its longest line without measuring fonts.
"""

from __future__ import annotations

import html
import math

from hubel.viz.graph import GraphNode
from hubel.viz.layout import Layout

FONT_SIZE = 12.0  # px
CHAR_WIDTH = 0.602 * FONT_SIZE  # DejaVu Sans Mono's advance, and close to every monospace font
LINE_HEIGHT = 15.0
PAD_X, PAD_Y = 9.0, 6.0
FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, monospace"
EDGE_COLOUR = "#5f6b7a"
ROOT_EDGE = "#2e7d32"
# kind -> (fill, border, dashed)
STYLES = {
    "op": ("#ececec", "#6b6b6b", False),
    "module": ("#fde7c3", "#b9770e", False),
    "param": ("#d7e7fb", "#3567a8", False),
    "constant": ("#ffffff", "#8a8a8a", True),
}
ROOT_FILL = "#dcefd9"


def node_size(node: GraphNode) -> tuple[float, float]:
    """A box's (width, height) in px: the longest line plus padding, one line height per line."""
    longest = max(len(text) for text in (node.title, *node.lines))
    return longest * CHAR_WIDTH + 2 * PAD_X, (1 + len(node.lines)) * LINE_HEIGHT + 2 * PAD_Y


def _style(node: GraphNode) -> tuple[str, str, bool, float]:
    fill, border, dashed = STYLES[node.kind]
    if node.is_root:
        return ROOT_FILL, ROOT_EDGE, dashed, 2.4
    return fill, border, dashed, 1.2


def _curve(points: list[tuple[float, float]]) -> list[tuple[tuple[float, float], ...]]:
    """Cubic Bezier pieces through ``points``: vertical where the edge leaves and enters a box,
    and through a long edge's virtual points along the chord of their neighbours (Catmull-Rom),
    so the edge bends smoothly instead of waving at every layer."""
    tangents = [(0.0, 1.5 * (points[1][1] - points[0][1]))]
    for (x0, y0), (x1, y1) in zip(points, points[2:]):
        tangents.append(((x1 - x0) / 2, (y1 - y0) / 2))
    tangents.append((0.0, 1.5 * (points[-1][1] - points[-2][1])))
    pieces = []
    for i, ((x0, y0), (x1, y1)) in enumerate(zip(points, points[1:])):
        (u0, v0), (u1, v1) = tangents[i], tangents[i + 1]
        pieces.append(((x0 + u0 / 3, y0 + v0 / 3), (x1 - u1 / 3, y1 - v1 / 3), (x1, y1)))
    return pieces


ARROW = 7.0  # arrowhead length, px; the curve stops short of the box by this much


def _trimmed(points):
    (x, y) = points[-1]
    return [*points[:-1], (x, y - ARROW)], (x, y)


def to_svg(nodes: list[GraphNode], edges: list[tuple[str, str]], layout: Layout) -> str:
    """The drawing as a standalone SVG document."""
    width, height = math.ceil(layout.width), math.ceil(layout.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE:g}">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for (source, target), points in zip(edges, layout.routes):
        body, tip = _trimmed(points)
        d = f"M{body[0][0]:.1f},{body[0][1]:.1f}" + "".join(
            "C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in piece) for piece in _curve(body)
        )
        x, y = tip
        head = f"{x - 3.5:.1f},{y - ARROW:.1f} {x + 3.5:.1f},{y - ARROW:.1f} {x:.1f},{y:.1f}"
        out.append(
            f'<g class="edge"><title>{source}&#8594;{target}</title>'
            f'<path d="{d}" fill="none" stroke="{EDGE_COLOUR}" stroke-width="1.2"/>'
            f'<polygon points="{head}" fill="{EDGE_COLOUR}"/></g>'
        )
    for node in nodes:
        left, top, w, h = layout.boxes[node.key]
        fill, border, dashed, stroke = _style(node)
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        out.append(
            f'<g class="node {node.kind}" id="{node.key}"><title>{html.escape(node.title)}</title>'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
            f'fill="{fill}" stroke="{border}" stroke-width="{stroke:g}"{dash}/>'
        )
        for row, text in enumerate((node.title, *node.lines)):
            y = top + PAD_Y + LINE_HEIGHT * (row + 0.75)
            weight = ' font-weight="bold"' if row == 0 else ' fill="#333333"'
            out.append(
                f'<text x="{left + w / 2:.1f}" y="{y:.1f}" text-anchor="middle"{weight}>'
                f"{html.escape(text)}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(nodes: list[GraphNode], edges: list[tuple[str, str]]) -> str:
    """The graph as DOT text, for users who have graphviz (``dot -Tpdf g.dot -o g.pdf``)."""
    out = [
        "digraph hubel {",
        "  graph [rankdir=TB];",
        '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];',
    ]
    for node in nodes:
        fill, border, dashed, stroke = _style(node)
        style = "rounded,filled,dashed" if dashed else "rounded,filled"
        label = "\\n".join(_dot_text(text) for text in (node.title, *node.lines))
        out.append(
            f'  {node.key} [label="{label}", fillcolor="{fill}", color="{border}", '
            f'penwidth={stroke:g}, style="{style}"];'
        )
    out += [f"  {source} -> {target};" for source, target in edges]
    out.append("}")
    return "\n".join(out) + "\n"


def to_png(nodes, edges, layout: Layout, scale: float = 2.0) -> bytes:
    """The same drawing rasterised by matplotlib (Agg), ``scale`` pixels per SVG pixel."""
    import io

    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
        from matplotlib.path import Path
    except ImportError as missing:
        raise ImportError(
            "a PNG of the graph is drawn by matplotlib, which is not installed: pip install "
            "'hubel[plot]' (SVG and DOT need nothing)",
            name=missing.name,
        ) from missing

    dpi = 100 * scale
    figure = Figure(figsize=(layout.width / 100, layout.height / 100), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, layout.width)
    axes.set_ylim(layout.height, 0)
    axes.axis("off")
    points_per_px = 72 / 100
    for points in layout.routes:
        body, (x, y) = _trimmed(points)
        vertices, codes = [body[0]], [Path.MOVETO]
        for piece in _curve(body):
            vertices += piece
            codes += [Path.CURVE4] * 3
        axes.add_patch(
            PathPatch(Path(vertices, codes), fill=False, edgecolor=EDGE_COLOUR, linewidth=0.9)
        )
        head = [(x - 3.5, y - ARROW), (x + 3.5, y - ARROW), (x, y)]
        axes.add_patch(Polygon(head, closed=True, facecolor=EDGE_COLOUR, edgecolor="none"))
    for node in nodes:
        left, top, w, h = layout.boxes[node.key]
        fill, border, dashed, stroke = _style(node)
        axes.add_patch(
            FancyBboxPatch(
                (left, top),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=6",
                facecolor=fill,
                edgecolor=border,
                linewidth=stroke * points_per_px,
                linestyle=(0, (4, 3)) if dashed else "-",
            )
        )
        for row, text in enumerate((node.title, *node.lines)):
            axes.text(
                left + w / 2,
                top + PAD_Y + LINE_HEIGHT * (row + 0.75),
                text,
                ha="center",
                va="baseline",
                family="monospace",
                fontsize=FONT_SIZE * points_per_px,
                fontweight="bold" if row == 0 else "normal",
                color="#000000" if row == 0 else "#333333",
            )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="#ffffff")
    return buffer.getvalue()
