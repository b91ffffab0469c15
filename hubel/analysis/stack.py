"""A calculator for a whole stack of layers, written in one line the way the course writes it.

>>> result = calc_stack("32x32x1", "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10")  # LeNet-5
>>> result.total_params
61706

Input: ``HxWxC`` (height x width x channels, the course's ``32x32x3``), or ``N`` for a vector.

Grammar: layers separated by spaces or commas; each is a name, its numbers joined by ``x``,
then options in any order. Numbers follow the course: F kernel size, K filters, N outputs.

==================  ==========================================================  ==============
layer               meaning (the PyTorch layer)                                 options
==================  ==========================================================  ==============
``conv{F}x{F}x{K}`` F x F convolution with K filters (Conv2d); F x F may be     s p d g nb
                    non-square, e.g. ``conv1x7x64``
``dw{F}x{F}``       depthwise convolution: one F x F filter per channel         s p d nb
                    (Conv2d with groups = C, K = C)
``pw{K}``           pointwise 1x1 convolution to K channels (Conv2d)            s nb
``pool{F}``         F x F max pooling; the stride defaults to F (MaxPool2d)     s p d c
``avgpool{F}``      F x F average pooling (AvgPool2d)                           s p c
``bn``              batch norm over the channels (BatchNorm2d/1d)
``relu``            the activation max(0, x): no parameters, no MACs (ReLU)
``fc{N}``           fully connected layer with N outputs (Linear)               nb
``flatten``         a feature map to a vector of C·H·W values; implied before fc
==================  ==========================================================  ==============

``dw{F}`` is short for ``dw{F}x{F}``; ``pool{F}x{F}`` and ``avgpool{F}x{F}`` allow non-square
windows.

Options: ``s{S}`` stride, ``p{P}`` padding, ``d{D}`` dilation, ``g{G}`` groups, ``c`` ceil_mode,
``nb`` no bias. Defaults are PyTorch's: stride 1 (pooling: F), padding 0, dilation 1, groups 1,
bias on. So ``conv3x3x64s2p1`` is ``Conv2d(C, 64, 3, stride=2, padding=1)`` and a MobileNet
block is ``dw3x3p1nb bn pw64nb bn``.
"""

import re
from dataclasses import dataclass, field, replace

from hubel.analysis.answer import fmt
from hubel.analysis.layers import (
    LayerCost,
    batchnorm_cost,
    conv2d_cost,
    flatten_cost,
    linear_cost,
    pool2d_cost,
)
from hubel.analysis.shapes import Shape, as_shape, format_shape

# layer name → (how many numbers it takes, which options it accepts)
LAYER_KINDS: dict[str, tuple[set[int], set[str]]] = {
    "conv": ({3}, {"s", "p", "d", "g", "nb"}),
    "dw": ({1, 2}, {"s", "p", "d", "nb"}),
    "pw": ({1}, {"s", "nb"}),
    "pool": ({1, 2}, {"s", "p", "d", "c"}),
    "avgpool": ({1, 2}, {"s", "p", "c"}),
    "bn": ({0}, set()),
    "relu": ({0}, set()),
    "fc": ({1}, {"nb"}),
    "flatten": ({0}, set()),
}
GRAMMAR_HINT = (
    "expected conv{F}x{F}x{K}, dw{F}x{F}, pw{K}, pool{F}, avgpool{F}, bn, relu, fc{N} or "
    "flatten, with options s{S} p{P} d{D} g{G} c nb"
)
_TOKEN = re.compile(r"(?P<kind>[a-z]+)(?P<numbers>\d+(?:x\d+)*)?(?P<options>[a-z0-9]*)")
_OPTION = re.compile(r"(?P<name>[spdg])(?P<value>\d+)|(?P<flag>c|nb)")


@dataclass(frozen=True)
class LayerSpec:
    """One parsed layer: ``conv5x5x6s2`` → kind ``conv``, numbers (5, 5, 6), options {s: 2}."""

    token: str
    kind: str
    numbers: tuple[int, ...]
    options: dict[str, int | bool] = field(default_factory=dict)


def _parse_options(token: str, kind: str, text: str) -> dict[str, int | bool]:
    options: dict[str, int | bool] = {}
    position = 0
    for match in _OPTION.finditer(text):
        if match.start() != position:
            break
        name = match["name"] or match["flag"]
        if name not in LAYER_KINDS[kind][1]:
            allowed = " ".join(sorted(LAYER_KINDS[kind][1])) or "none"
            raise ValueError(f"spec: {kind} takes options {allowed}; got {name!r} in {token!r}")
        if name in options:
            raise ValueError(f"spec: option {name!r} given twice in {token!r}")
        options[name] = int(match["value"]) if match["value"] else True
        position = match.end()
    if position != len(text):
        raise ValueError(f"spec: cannot read {text[position:]!r} in {token!r}; {GRAMMAR_HINT}")
    return options


def parse_stack(spec: str) -> list[LayerSpec]:
    """Split a spec like ``'conv5x5x6 pool2 fc10'`` into :class:`LayerSpec` s (see the grammar)."""
    if not isinstance(spec, str):
        raise TypeError(f"spec: expected a string like 'conv5x5x6 pool2 fc10', got {spec!r}")
    tokens = spec.lower().replace(",", " ").split()
    if not tokens:
        raise ValueError(f"spec: expected at least one layer, got {spec!r}")
    layers = []
    for token in tokens:
        match = _TOKEN.fullmatch(token)
        kind = match["kind"] if match else None
        if kind not in LAYER_KINDS:
            raise ValueError(f"spec: unknown layer {token!r}; {GRAMMAR_HINT}")
        numbers = tuple(int(n) for n in match["numbers"].split("x")) if match["numbers"] else ()
        if len(numbers) not in LAYER_KINDS[kind][0]:
            raise ValueError(f"spec: cannot read the numbers of {token!r}; {GRAMMAR_HINT}")
        options = _parse_options(token, kind, match["options"])
        layers.append(LayerSpec(token, kind, numbers, options))
    return layers


def _kernel(numbers: tuple[int, ...]) -> int | tuple[int, int]:
    # a square kernel stays an int, so errors read kernel_size=5 as in PyTorch's repr
    return numbers[0] if len(set(numbers)) == 1 else (numbers[0], numbers[1])


def _layer_cost(layer: LayerSpec, shape: Shape) -> LayerCost:
    numbers, options = layer.numbers, layer.options
    stride, padding = options.get("s", 1), options.get("p", 0)
    dilation, bias = options.get("d", 1), not options.get("nb", False)
    if layer.kind == "fc":
        return linear_cost(shape[0], numbers[0], bias)
    if layer.kind == "flatten":
        return flatten_cost(shape)
    if layer.kind == "bn":
        return batchnorm_cost(shape)
    if layer.kind == "relu":
        steps = ("params = 0, MACs = 0 (max(0, x) per value)",)
        return LayerCost("ReLU", shape, shape, 0, 0, steps)
    if len(shape) != 3:
        raise ValueError(
            f"expected a feature map HxWxC as input, got a vector of {shape[0]} "
            "(a conv or a pooling cannot follow fc or flatten)"
        )
    if layer.kind == "conv":
        kernel, filters, groups = _kernel(numbers[:2]), numbers[2], options.get("g", 1)
        return conv2d_cost(shape, filters, kernel, stride, padding, dilation, groups, bias)
    if layer.kind == "dw":
        channels = shape[2]
        return conv2d_cost(
            shape, channels, _kernel(numbers), stride, padding, dilation, channels, bias
        )
    if layer.kind == "pw":
        return conv2d_cost(shape, numbers[0], 1, stride, bias=bias)
    name = "MaxPool2d" if layer.kind == "pool" else "AvgPool2d"
    pool_stride = options.get("s")  # None: the kernel size, as in PyTorch
    ceil_mode = options.get("c", False)
    kernel = _kernel(numbers)
    return pool2d_cost(shape, kernel, pool_stride, padding, dilation, ceil_mode, name)


@dataclass(frozen=True)
class StackResult:
    """A stack's table: one :class:`LayerCost` per layer, and the totals.

    Attributes:
        input_shape, output_shape: ``(H, W, C)`` or ``(N,)``.
        rows: a row per layer, including the implied flatten before the first fc.
        total_params, total_macs: the sums over the rows.
        steps: the two sums written out.
    """

    input_shape: Shape
    output_shape: Shape
    rows: tuple[LayerCost, ...]
    total_params: int
    total_macs: int
    steps: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{'layer':<16}{'input':>14}{'output':>14}{'params':>14}{'MACs':>16}"]
        for row in self.rows:
            lines.append(
                f"{row.name:<16}{format_shape(row.input_shape):>14}"
                f"{format_shape(row.output_shape):>14}{fmt(row.params):>14}{fmt(row.macs):>16}"
            )
        lines.append(f"{'total':<44}{fmt(self.total_params):>14}{fmt(self.total_macs):>16}")
        return "\n".join(lines + list(self.steps))


def _sum_step(label: str, values: list[int]) -> str:
    terms = [fmt(value) for value in values if value]
    total = fmt(sum(values))
    return f"{label} = {' + '.join(terms)} = {total}" if len(terms) > 1 else f"{label} = {total}"


def calc_stack(input: str | Shape, spec: str) -> StackResult:
    """Shapes, parameters and MACs of every layer of ``spec`` applied to ``input``.

    Args:
        input: ``'HxWxC'`` like ``'32x32x3'`` (or ``(H, W, C)``), or ``'N'`` for a vector.
        spec: the layers, in the grammar of this module's docstring.

    Raises:
        ValueError: naming the layer (its number and token) that cannot take its input.
    """
    shape = as_shape(input, "input")
    start, rows = shape, []
    for number, layer in enumerate(parse_stack(spec), start=1):
        try:
            if layer.kind == "fc" and len(shape) == 3:
                rows.append(flatten_cost(shape))  # implied: fc takes a vector
                shape = rows[-1].output_shape
            cost = _layer_cost(layer, shape)
        except (TypeError, ValueError) as error:
            raise type(error)(f"layer {number} {layer.token!r}: {error}") from None
        rows.append(replace(cost, name=layer.token))
        shape = cost.output_shape
    params = [row.params for row in rows]
    macs = [row.macs for row in rows]
    steps = (_sum_step("total params", params), _sum_step("total MACs", macs))
    return StackResult(start, shape, tuple(rows), sum(params), sum(macs), steps)
