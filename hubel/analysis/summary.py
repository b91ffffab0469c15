"""``hb.summary(model, input_size)``: every layer's shapes, parameters, MACs and memory.

>>> import hubel as hb
>>> model = hb.nn.Sequential(hb.nn.Flatten(), hb.nn.Linear(3072, 1024), hb.nn.ReLU(),
...                          hb.nn.Linear(1024, 10))
>>> result = hb.summary(model, input_size=(3, 32, 32))
>>> result.total_params, result.total_macs
(3157002, 3155968)

The summary runs one forward pass on a random input of ``(batch_size, *input_size)`` (so any
``Module`` works: the zoo's and your own), in eval mode and under ``no_grad``, with hooks that
exist only for that pass (see :mod:`hubel.analysis.summary_trace`). Training is never slowed.

Definitions (also printed with every summary):

- MACs, FLOPs and other ops: see :mod:`hubel.analysis.summary_rules`. MACs are for the whole
  batch; with the default ``batch_size=1`` they are per image, as torchvision publishes them.
- Parameters are ``model.parameters()``: trainable (``requires_grad``) or not (frozen). Buffers
  (batch norm's running statistics) are stored but not learned, and are counted apart.
- Parameter memory: Σ numel·itemsize over the parameters (buffers apart).
- Forward activation memory: Σ of the output bytes of every row (each layer's output, and each
  op a forward runs itself), all of which a training forward keeps for backward.
- Training memory ≈ parameters + buffers + input + activations + the activations' gradients
  (as large again) + the parameters' gradients; an optimizer's state is extra (SGD with
  momentum adds one copy of the trainable parameters, Adam two).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields

import numpy as np

from hubel.analysis.summary_format import MAC_CONVENTION, markdown, table_text
from hubel.analysis.summary_trace import Node, Shape, Trace, nbytes
from hubel.analysis.validate import check_bool, check_int
from hubel.autograd import no_grad
from hubel.backend import get_default_dtype, to_device
from hubel.tensor import Tensor


@dataclass(frozen=True)
class SummaryRow:
    """One row of a summary: a layer, a collapsed block, or an op run in a ``forward``.

    Attributes:
        name: the hierarchical name (``layer1.0.conv1``); an op a container's forward runs
            itself is named after it (``layer1.0 (add)``); the whole model is ``(model)``.
        layer_type: the class (``Conv2d``, ``BasicBlock``) or the op (``Add``, ``Cat``).
        depth: how deep the name is: ``layer1`` 1, ``layer1.0`` 2, ``layer1.0.conv1`` 3.
        input_shapes, output_shapes: the tensors in and out, ``(N, C, H, W)``.
        trainable_params, non_trainable_params: parameters learned, or frozen.
        buffers: values of the buffers (batch norm's running statistics), not learned.
        macs, other_ops: see :mod:`hubel.analysis.summary_rules`; for the batch.
        activation_bytes: the output bytes this row keeps for backward.
        steps: the worked formula lines (conv, linear, pooling, batch norm).
        note: ``'not run'`` (never called in this forward) or ``'called again'`` (its
            parameters are on its first call's row).
    """

    name: str
    layer_type: str
    depth: int
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    trainable_params: int
    non_trainable_params: int
    buffers: int
    macs: int
    other_ops: int
    activation_bytes: int
    steps: tuple[str, ...] = ()
    note: str = ""

    @property
    def params(self) -> int:
        """All parameters of the row, trainable or not."""
        return self.trainable_params + self.non_trainable_params

    @property
    def flops(self) -> int:
        """2 x MACs: a multiply and an add each."""
        return 2 * self.macs


@dataclass(frozen=True)
class Summary:
    """The result of :func:`summary`: rows, totals and memory (all sizes in bytes).

    ``print(summary)`` shows the table; ``to_dict``, ``to_json``, ``to_csv`` and
    ``to_markdown`` export it, and ``Summary.from_dict`` reads ``to_dict`` back.
    """

    model_name: str
    input_size: tuple[int, ...]
    batch_size: int
    depth: int | None
    dtype: str
    rows: tuple[SummaryRow, ...]
    total_params: int
    trainable_params: int
    total_buffers: int
    total_macs: int
    total_other_ops: int
    network_depth: int
    param_bytes: int
    trainable_param_bytes: int
    buffer_bytes: int
    input_bytes: int
    activation_bytes: int
    warnings: tuple[str, ...] = ()
    explain: bool = False
    fold_bn: bool = False
    folding: tuple[str, ...] = ()

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def total_flops(self) -> int:
        """2 x MACs."""
        return 2 * self.total_macs

    @property
    def forward_bytes(self) -> int:
        """Parameters, buffers, input and every activation: a forward that keeps them all."""
        return self.param_bytes + self.buffer_bytes + self.input_bytes + self.activation_bytes

    @property
    def training_bytes(self) -> int:
        """The forward's memory plus the activations' and the parameters' gradients."""
        return self.forward_bytes + self.activation_bytes + self.trainable_param_bytes

    # ------------------------------------------------------------------ exports
    def to_dict(self) -> dict:
        """Plain data (lists, numbers, strings) ready for ``json.dumps``; totals included."""
        data = asdict(self)
        data["convention"] = MAC_CONVENTION
        data["totals"] = {
            "non_trainable_params": self.non_trainable_params,
            "total_flops": self.total_flops,
            "forward_bytes": self.forward_bytes,
            "training_bytes": self.training_bytes,
        }
        return json.loads(json.dumps(data))  # tuples become lists, as in a JSON file

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        """The summary that :meth:`to_dict` (or ``json.loads(to_json())``) describes."""
        names = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["input_size"] = tuple(values["input_size"])
        for key in ("warnings", "folding"):
            values[key] = tuple(values.get(key, ()))
        values["rows"] = tuple(_row_from_dict(row) for row in values["rows"])
        return cls(**values)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_csv(self) -> str:
        """One line per row: name, type, depth, shapes, parameters, buffers, MACs, other ops."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for row in self.rows:
            writer.writerow(
                [
                    row.name,
                    row.layer_type,
                    row.depth,
                    _shapes_csv(row.input_shapes),
                    _shapes_csv(row.output_shapes),
                    row.trainable_params,
                    row.non_trainable_params,
                    row.buffers,
                    row.macs,
                    row.flops,
                    row.other_ops,
                    row.activation_bytes,
                    row.note,
                ]
            )
        return out.getvalue()

    def to_markdown(self) -> str:
        return markdown(self)

    def _repr_markdown_(self) -> str:  # notebooks show the Markdown table
        return self.to_markdown()

    def _repr_html_(self) -> str:  # Jupyter shows this table, not the Markdown
        from hubel.viz.html import summary_html

        return summary_html(self)

    def __str__(self) -> str:
        return table_text(self)


CSV_HEADER = (
    "name",
    "type",
    "depth",
    "input_shape",
    "output_shape",
    "trainable_params",
    "non_trainable_params",
    "buffers",
    "macs",
    "flops",
    "other_ops",
    "activation_bytes",
    "note",
)


def _shapes_csv(shapes: tuple[Shape, ...]) -> str:
    """``((1, 64, 56, 56), (1, 64, 56, 56))`` → ``'1x64x56x56;1x64x56x56'``."""
    return ";".join("x".join(map(str, shape)) for shape in shapes)


def _row_from_dict(data: dict) -> SummaryRow:
    values = {f.name: data[f.name] for f in fields(SummaryRow) if f.name in data}
    for key in ("input_shapes", "output_shapes"):
        values[key] = tuple(tuple(shape) for shape in values[key])
    values["steps"] = tuple(values.get("steps", ()))
    return SummaryRow(**values)


def check_input_size(input_size) -> tuple[int, ...]:
    """``input_size`` as a tuple of positive ints: one example, without the batch axis."""
    expected = "a tuple of positive ints without the batch axis, like (3, 224, 224)"
    if isinstance(input_size, int) and not isinstance(input_size, bool):
        input_size = (input_size,)
    if not isinstance(input_size, tuple | list) or not input_size:
        raise TypeError(f"input_size: expected {expected}, got {input_size!r}")
    try:
        return tuple(check_int("input_size", size) for size in input_size)
    except (TypeError, ValueError):
        raise ValueError(f"input_size: expected {expected}, got {input_size!r}") from None


def summary(
    model,
    input_size=(3, 224, 224),
    batch_size: int = 1,
    depth: int | None = None,
    explain: bool = False,
    fold_bn: bool = False,
    name: str | None = None,
) -> Summary:
    """Run one forward pass of ``model`` and count, layer by layer, what it holds and costs.

    Args:
        model: any ``hubel.nn.Module``.
        input_size: one example's shape without the batch, as PyTorch orders it:
            ``(C, H, W)`` for images, ``(features,)`` for vectors.
        batch_size: the batch N of the example input (shapes, MACs and memory are for it).
        depth: show rows down to this depth and collapse deeper blocks into one row each
            (``0``: the whole model in one row; ``None``: every layer). Totals do not change.
        explain: print the worked formulas under each conv, linear, pooling and BN row.
        fold_bn: summarise the model as it runs at inference once each BatchNorm is folded
            into the conv/linear before it (:func:`hubel.analysis.fold_batchnorm`, on a copy):
            those BN rows become ``Identity`` (marked "folded into ..."), their convs gain a
            bias. BNs that cannot be folded stay, and ``Summary.folding`` says why.
        name: the model's name in the output (default: its class name).

    Returns:
        A :class:`Summary`: one row per layer in the order the layers ran (for almost every
        model the order they are registered in; a module that never ran is listed where it is
        registered, marked "not run"). Layer types from outside hubel without a counting rule,
        and ops without one, are named in a ``UserWarning`` (and in ``Summary.warnings``).
    """
    from hubel.nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"model: expected a hubel.nn.Module, got {type(model).__name__}")
    input_size = check_input_size(input_size)
    batch_size = check_int("batch_size", batch_size)
    if depth is not None:
        depth = check_int("depth", depth, minimum=0)
    check_bool("explain", explain)
    check_bool("fold_bn", fold_bn)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name: expected a string or None, got {name!r}")
    name = name or type(model).__name__
    folding: tuple[str, ...] = ()
    notes: dict[str, str] = {}
    if fold_bn:
        model, folding, notes = _fold_batchnorms(model, input_size)
    x = _example_input(model, (batch_size, *input_size))
    trace = Trace(model)
    output = _traced_forward(model, x, trace)
    root = trace.finish()
    root.name = "(model)"
    for leaf in root.leaves():
        leaf.note = notes.get(leaf.name, leaf.note)
    for message in trace.warnings:
        warnings.warn(message, UserWarning, stacklevel=2)
    options = {"depth": depth, "explain": explain, "fold_bn": fold_bn, "folding": folding}
    return _build(model, name, x, root, trace, output, **options)


def _fold_batchnorms(model, input_size: tuple[int, ...]):
    """A copy of ``model`` with its BatchNorms folded, the lines that say what was done, and a
    note for each folded BN's row (now an ``Identity``).

    Folding uses the running statistics, so the model is put in eval mode for it (its modes
    are restored after).
    """
    from hubel.analysis.fold import fold_batchnorm

    with _eval_mode(model):
        result = fold_batchnorm(model, input_size=input_size)
    notes = {pair.batchnorm: f"folded into {pair.layer}" for pair in result.folded}
    lines = (
        f"BN folded: {len(result.folded)} BatchNorm layer(s) absorbed into the conv/linear "
        f"before them (W' = W·s, b' = (b - μ)·s + β), {len(result.skipped)} left in place",
        *(f"BN left in place: {skip.name}: {skip.reason}" for skip in result.skipped),
    )
    return result.model, lines, notes


def _example_input(model, shape: tuple[int, ...]) -> Tensor:
    """A fixed random input (its own generator: the global seed is left alone), in the
    dtype and on the device of the model's parameters."""
    first = next((p for p in model.parameters() if p.dtype.kind == "f"), None)
    dtype = get_default_dtype() if first is None else first.dtype
    data = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    return Tensor(data if first is None else to_device(data, first.device))


@contextlib.contextmanager
def _eval_mode(model) -> Iterator[None]:
    """Every module in eval mode inside, and back in its own mode after, even on error."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def _traced_forward(model, x: Tensor, trace: Trace):
    """``model(x)`` in eval mode under no_grad with the trace's hooks."""
    try:
        with _eval_mode(model), trace, no_grad():
            return model(x)
    except Exception as error:
        error.add_note(
            f"summary: the forward pass of {type(model).__name__} failed on an input of shape "
            f"{tuple(x.shape)}; input_size is one example without the batch axis, in "
            "PyTorch's order: (C, H, W) like (3, 224, 224)"
        )
        raise


def _rows(node: Node, depth: int | None) -> Iterator[SummaryRow]:
    if node.children and (depth is None or node.depth < depth):
        for child in node.children:
            yield from _rows(child, depth)
        return
    leaves = list(node.leaves())
    yield SummaryRow(
        name=node.name,
        layer_type=node.type_name,
        depth=node.depth,
        input_shapes=node.input_shapes,
        output_shapes=node.output_shapes,
        trainable_params=sum(leaf.trainable for leaf in leaves),
        non_trainable_params=sum(leaf.frozen for leaf in leaves),
        buffers=sum(leaf.buffers for leaf in leaves),
        macs=sum(leaf.count.macs for leaf in leaves),
        other_ops=sum(leaf.count.other_ops for leaf in leaves),
        activation_bytes=sum(leaf.output_bytes for leaf in leaves),
        steps=() if node.children else node.count.steps,
        note=node.note,
    )


def _build(model, name: str, x: Tensor, root: Node, trace: Trace, output, **options) -> Summary:
    rows = tuple(_rows(root, options["depth"]))
    params = list(model.parameters())
    trainable = [p for p in params if p.requires_grad]
    return Summary(
        model_name=name,
        input_size=tuple(x.shape[1:]),
        batch_size=x.shape[0],
        dtype=str(x.dtype),
        rows=rows,
        total_params=sum(row.params for row in rows),
        trainable_params=sum(row.trainable_params for row in rows),
        total_buffers=sum(row.buffers for row in rows),
        total_macs=sum(row.macs for row in rows),
        total_other_ops=sum(row.other_ops for row in rows),
        network_depth=trace.network_depth(output),
        param_bytes=nbytes(params),
        trainable_param_bytes=nbytes(trainable),
        buffer_bytes=nbytes(list(model.buffers())),
        input_bytes=nbytes(x),
        activation_bytes=sum(row.activation_bytes for row in rows),
        warnings=tuple(trace.warnings),
        **options,
    )
