"""``draw_graph`` and ``draw_model``: the autograd graph as a picture (micrograd's ``draw_dot``,
torchviz's ``make_dot``), inline in Jupyter, saved as SVG or PNG, or as DOT text.

The layout is computed here in pure Python (:mod:`hubel.viz.layout`) and the SVG written by hand
(:mod:`hubel.viz.render`), so drawing needs no graphviz ``dot`` binary and no system package; PNG
goes through matplotlib (the ``plot`` extra), drawing the same layout.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from hubel.nn.module import Module
from hubel.serialization import atomic_write_bytes
from hubel.tensor import Tensor
from hubel.viz.graph import GraphNode, build_graph
from hubel.viz.layout import Layout, layered_layout
from hubel.viz.render import node_size, to_dot, to_png, to_svg
from hubel.viz.trace import GraphTrace, trace


class Graph:
    """A drawn graph: shows itself in Jupyter (``_repr_svg_``), ``save``s as ``.svg``, ``.png``
    or ``.dot``, and gives its DOT text as ``source``. ``nodes`` and ``edges`` (``(from_key,
    to_key)``, in data-flow direction) are the graph itself."""

    def __init__(self, nodes: list[GraphNode], edges: list[tuple[str, str]]):
        self.nodes = nodes
        self.edges = edges

    @cached_property
    def layout(self) -> Layout:
        return layered_layout({node.key: node_size(node) for node in self.nodes}, self.edges)

    @property
    def source(self) -> str:
        """DOT text: ``dot -Tpdf`` renders it where graphviz is installed."""
        return to_dot(self.nodes, self.edges)

    @property
    def svg(self) -> str:
        """The drawing as an SVG document."""
        return to_svg(self.nodes, self.edges, self.layout)

    def png(self, scale: float = 2.0) -> bytes:
        """The drawing as PNG bytes (needs matplotlib), ``scale`` pixels per SVG pixel."""
        return to_png(self.nodes, self.edges, self.layout, scale)

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path, scale: float = 2.0) -> Path:
        """Write the drawing to ``path`` (atomically): ``.svg``, ``.png`` or ``.dot``/``.gv``."""
        path = Path(path)
        suffix = path.suffix.lower()
        writers = {
            ".svg": lambda: self.svg.encode(),
            ".png": lambda: self.png(scale),
            ".dot": lambda: self.source.encode(),
            ".gv": lambda: self.source.encode(),
        }
        if suffix not in writers:
            raise ValueError(
                f"save: expected a path ending in .svg, .png, .dot or .gv, got {str(path)!r}"
            )
        atomic_write_bytes(path, writers[suffix]())
        return path

    def __repr__(self) -> str:
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges)"


def draw_graph(
    root: Tensor,
    show_values: bool = False,
    show_grads: bool = False,
    *,
    params: dict[str, Tensor] | None = None,
    model: Module | None = None,
    trace: GraphTrace | None = None,
    depth: int | None = None,
) -> Graph:
    """Draw the graph that ``root.backward()`` walks.

    One box per op (its Function's name, output shape and dtype; with a trace, the module that
    ran it) and per leaf (its name, shape, dtype and ``requires_grad``); edges point the way data
    flows, so ``root`` is at the bottom.

    Args:
        root: a tensor with a graph behind it, usually a loss.
        show_values: add the values of tensors with at most 4 of them, micrograd-style.
        show_grads: add each leaf's gradient after ``backward`` (its values when small, else
            its norm ``‖grad‖``), and that of any tensor that called ``retain_grad``.
        params: names for leaves, ``dict(model.named_parameters())`` or ``{"x": x}``.
        model: name leaves by ``model.named_parameters()`` (and buffers).
        trace: the :func:`hubel.viz.trace` the graph was built in: ops are labelled with their
            module and ``depth=`` can collapse modules; its model names the parameters.
        depth: collapse every module call at this depth (``layer1`` is 1, ``layer1.0`` 2, as in
            ``hb.summary``) into one box, with its output shape and parameter count.

    Example::

        x = hb.tensor([1.0, 2.0], requires_grad=True)
        y = (x.sigmoid() * x).sum()
        y.backward()
        hb.viz.draw_graph(y, show_grads=True, params={"x": x})
    """
    return Graph(*build_graph(root, params, model, trace, depth, show_values, show_grads))


def draw_model(
    model: Module,
    input_size=(3, 224, 224),
    depth: int | None = None,
    batch_size: int = 1,
    show_values: bool = False,
    training: bool = False,
) -> Graph:
    """Run ``model`` on a fixed random ``(batch_size, *input_size)`` input inside a trace and
    draw the graph of its output, collapsed to ``depth`` (ResNet-18 at ``depth=1`` is a dozen
    boxes).

    As :func:`hubel.summary` does, the model runs in eval mode (batch norm with its running
    statistics, so a batch of 1 works) and is put back in its own mode after; ``training=True``
    draws the training graph instead, in the mode the model is in. The global random state is
    left alone.
    """
    import contextlib

    from hubel.analysis.summary import _eval_mode, _example_input, check_input_size

    if not isinstance(model, Module):
        raise TypeError(f"draw_model: expected model to be a hubel.nn.Module, got {type(model)}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(
            f"draw_model: expected batch_size to be a positive int, got {batch_size!r}"
        )
    x = _example_input(model, (batch_size, *check_input_size(input_size)))
    with contextlib.nullcontext() if training else _eval_mode(model), trace(model) as tape:
        output = model(x)
    if isinstance(output, (tuple, list)):
        output = next(t for t in output if isinstance(t, Tensor))
    return draw_graph(output, show_values, trace=tape, depth=depth)
