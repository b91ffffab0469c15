"""Counting rules for :func:`hubel.analysis.summary`: what one op, or one layer, costs.

The convention, stated in every summary:

- **MACs** (multiply-accumulates) count the weighted layers and nothing else: a convolution
  costs ``K_h·K_w·(C_in/groups)·C_out·H_out·W_out`` per image, a linear layer ``in·out`` per
  row (a matrix product ``m·k·n``), times the batch. **FLOPs = 2 x MACs** (a multiply and an
  add each). These are the numbers torchvision publishes: its "GFLOPS" are these MACs.
- **Other ops** count the cheap element-wise work, per value: a bias add 1 per output; batch
  norm 2 (at inference it is ``y = a·x + b`` per channel); an activation 1 (softmax 3: exp,
  sum, divide); a residual add 1; max pooling ``F_h·F_w - 1`` comparisons per output, average
  pooling ``F_h·F_w`` (adds and one divide); a reduction 1 per input value; local response
  norm ``2·size + 3``. Concatenation, reshapes and padding only copy values: 0.

Every hubel op (a :class:`hubel.autograd.Function`) has an *op rule*: its Function's own
``cost`` (convolution, linear, pooling, normalisation declare theirs beside their forward and
backward), else one from the table in :func:`op_rules`. A layer is counted by
the ops its forward runs, except where a *layer rule* gives the course's formula with the
worked steps (Conv2d, Linear, pooling, batch norm). A layer type from outside hubel without a
rule is still counted from its ops, but the summary warns, naming it: add a rule with
:func:`register_layer_rule` (``rule=None`` trusts its ops).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hubel.analysis.answer import fmt, product
from hubel.analysis.formulas import batchnorm_params
from hubel.analysis.layers import conv2d_cost, linear_cost, pool2d_cost
from hubel.analysis.validate import check_pair


@dataclass(frozen=True)
class Count:
    """What one op or layer costs: ``macs``, ``other_ops`` and the worked ``steps``."""

    macs: int = 0
    other_ops: int = 0
    steps: tuple[str, ...] = ()

    def __add__(self, other: Count) -> Count:
        return Count(
            self.macs + other.macs, self.other_ops + other.other_ops, self.steps + other.steps
        )


@dataclass(frozen=True)
class LayerCall:
    """One call of a layer, as a layer rule sees it.

    Attributes:
        module: the layer.
        inputs: the positional arguments of its forward.
        output: what its forward returned.
        ops: what the ops its forward ran cost by the op rules (an op without one counts 0).
    """

    module: object
    inputs: tuple
    output: object
    ops: Count


LayerRule = Callable[[LayerCall], Count]
OpRule = Callable[[tuple, object, dict], Count]  # (inputs, output, options) -> Count


def tensors_in(value) -> Iterator:
    """The tensors in a forward's arguments or output (a tensor, or tuples, lists, dicts)."""
    from hubel.tensor import Tensor

    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item)


def _output(call: LayerCall):
    """The layer's output tensor (the first, when it also returns indices)."""
    return next(tensors_in(call.output))


# ----------------------------------------------------------------------------------- op rules
def _per_value(times: int) -> OpRule:
    def rule(inputs: tuple, output, options: dict) -> Count:
        return Count(other_ops=times * output.numel())

    return rule


def _free(inputs: tuple, output, options: dict) -> Count:
    return Count()


def _per_input_value(inputs: tuple, output, options: dict) -> Count:
    return Count(other_ops=inputs[0].numel())


def _matmul_op(inputs: tuple, output, options: dict) -> Count:
    return Count(macs=output.numel() * inputs[0].shape[-1])


def adaptive_bin_cells(in_size: int, out_size: int) -> int:
    """Cells covered by adaptive pooling's bins along one axis, overlaps counted twice.

    Bin i spans ``floor(i·L/n)`` to ``ceil((i+1)·L/n)`` (PyTorch's rule), so 7 → 1 is one
    bin of 7 cells, and 5 → 3 is bins of 2, 3 and 2 cells: 7.
    """
    return sum(-(-(i + 1) * in_size // out_size) - i * in_size // out_size for i in range(out_size))


def _adaptive_cells(inputs: tuple, output) -> int:
    batch, channels, height, width = inputs[0].shape
    out_h, out_w = output.shape[2:]
    return batch * channels * adaptive_bin_cells(height, out_h) * adaptive_bin_cells(width, out_w)


def _adaptive_avg_op(inputs: tuple, output, options: dict) -> Count:
    return Count(other_ops=_adaptive_cells(inputs, output))  # window - 1 adds and a divide


def _adaptive_max_op(inputs: tuple, output, options: dict) -> Count:
    return Count(other_ops=_adaptive_cells(inputs, output) - output.numel())  # window - 1


@functools.cache
def op_rules() -> dict[type, OpRule]:
    """The rule of every hubel op, by its ``Function`` class."""
    from hubel.functional import activation as act
    from hubel.functional import arithmetic as ar
    from hubel.functional import pool, reduce, shape
    from hubel.functional.dropout import Dropout
    from hubel.functional.padding import Pad

    elementwise = [act.ReLU, act.LeakyReLU, act.Sigmoid, act.Tanh, act.GELU, Dropout]
    elementwise += [ar.Add, ar.Sub, ar.Mul, ar.Div, ar.Neg, ar.Pow, ar.Exp, ar.Log, ar.Sqrt]
    elementwise += [ar.Abs, ar.Clamp, ar.Maximum, ar.Minimum, ar.Where]
    copies = [ar.Cast, Pad, shape.Reshape, shape.Permute, shape.Expand, shape.GetItem]
    copies += [shape.Cat, shape.Stack]
    reductions = [reduce.Sum, reduce.Mean, reduce.Var, reduce.Amax, reduce.MaxAlongDim]
    reductions += [pool.GlobalAvgPool2d]
    rules: dict[type, OpRule] = {}
    rules.update(dict.fromkeys(elementwise, _per_value(1)))
    rules.update(dict.fromkeys([act.Softmax, act.LogSoftmax], _per_value(3)))
    rules.update(dict.fromkeys(copies, _free))
    rules.update(dict.fromkeys(reductions, _per_input_value))
    rules[ar.MatMul] = _matmul_op
    rules[pool.AdaptiveAvgPool2d] = _adaptive_avg_op
    rules[pool.AdaptiveMaxPool2d] = _adaptive_max_op
    return rules


def weighted_ops() -> tuple[type, ...]:
    """The ops that make a layer "weighted" for the network's depth: conv, linear, matmul."""
    from hubel.functional.arithmetic import MatMul
    from hubel.functional.conv import Conv2d
    from hubel.functional.linear import Linear

    return Conv2d, Linear, MatMul


def count_op(function: type, inputs: tuple, output, options: dict) -> Count | None:
    """What one op cost, or None when ``function`` has no rule: the one the Function declares
    beside its forward and backward, a static method ``cost(inputs, output, options) ->
    (macs, other_ops)`` (so a new op brings its own), else the rule in ``op_rules``."""
    declared = getattr(function, "cost", None)
    if declared is not None:
        return Count(*declared(inputs, output, options))
    rule = op_rules().get(function)
    return None if rule is None else rule(inputs, output, options)


# -------------------------------------------------------------------------------- layer rules
def _batch_steps(per_image: int, batch: int, what: str) -> tuple[str, ...]:
    if batch == 1:
        return ()
    return (f"{what} for the batch = {fmt(per_image)}·{batch} = {fmt(per_image * batch)}",)


def _values_text(shape: tuple) -> str:
    """``(1, 64, 56, 56)`` → ``'64·56·56 = 200,704'``: a tensor's values, the batch if > 1."""
    total = fmt(math.prod(shape))
    factors = _factors_text(shape)
    return total if factors == total else f"{factors} = {total}"


def _factors_text(shape: tuple) -> str:
    """``(1, 64, 56, 56)`` → ``'64·56·56'``: the factors of a tensor's size, the batch if > 1."""
    return product(list(shape if shape[0] > 1 or len(shape) == 1 else shape[1:]))


def _conv2d(call: LayerCall) -> Count:
    module, output = call.module, _output(call)
    batch, channels, height, width = call.inputs[0].shape
    has_bias = module.bias is not None
    cost = conv2d_cost(
        (height, width, channels),
        module.out_channels,
        module.kernel_size,
        module.stride,
        module.padding,
        module.dilation,
        module.groups,
        has_bias,
        name=type(module).__name__,
    )
    steps = cost.steps + _batch_steps(cost.macs, batch, "MACs")
    bias_adds = output.numel() if has_bias else 0
    if has_bias:
        steps += (f"other ops = {_values_text(output.shape)} bias adds",)
    return Count(cost.macs * batch, bias_adds, steps)


def _linear(call: LayerCall) -> Count:
    module, output = call.module, _output(call)
    rows = call.inputs[0].numel() // module.in_features
    has_bias = module.bias is not None
    cost = linear_cost(module.in_features, module.out_features, has_bias)
    steps = cost.steps + _batch_steps(cost.macs, rows, "MACs")
    bias_adds = output.numel() if has_bias else 0
    if has_bias:
        steps += (f"other ops = {_values_text(output.shape)} bias adds",)
    return Count(cost.macs * rows, bias_adds, steps)


def _pool2d(call: LayerCall, is_max: bool) -> Count:
    module, output = call.module, _output(call)
    batch, channels, height, width = call.inputs[0].shape
    kernel_h, kernel_w = check_pair("kernel_size", module.kernel_size)
    cost = pool2d_cost(
        (height, width, channels),
        module.kernel_size,
        module.stride,
        module.padding,
        getattr(module, "dilation", 1),
        module.ceil_mode,
        name=type(module).__name__,
    )
    per_output = kernel_h * kernel_w - is_max
    window = f"({kernel_h}·{kernel_w} - 1)" if is_max else f"{kernel_h}·{kernel_w}"
    what = "comparisons" if is_max else "adds and divides"
    other_ops = per_output * output.numel()
    step = f"other ops = {window}·{_factors_text(output.shape)} = {fmt(other_ops)} {what}"
    return Count(0, other_ops, (*cost.steps, step))


def _adaptive_pool2d(call: LayerCall) -> Count:
    height, width = call.inputs[0].shape[2:]
    out_h, out_w = _output(call).shape[2:]
    if height % out_h == 0 and width % out_w == 0:
        windows = f"windows of {height // out_h}x{width // out_w}, side by side"
    else:
        windows = "windows of uneven sizes, floor(i·H_in/H_out) to ceil((i+1)·H_in/H_out)"
    step = f"output {out_h}x{out_w} from {height}x{width}: {windows}"
    return Count(call.ops.macs, call.ops.other_ops, (step,))


def _batchnorm(call: LayerCall) -> Count:
    module, output = call.module, _output(call)
    other_ops = 2 * output.numel()
    steps: tuple[str, ...] = ()
    if getattr(module, "use_bias", module.affine) == module.affine:  # γ and β both, or neither
        counts = batchnorm_params(module.num_features, module.affine, module.track_running_stats)
        steps = counts.steps
    steps += (
        f"other ops = 2·{_factors_text(output.shape)} = {fmt(other_ops)} "
        "(at inference y = a·x + b per channel: a multiply and an add per value)",
    )
    return Count(0, other_ops, steps)


_CUSTOM_RULES: dict[type, LayerRule | None] = {}


def register_layer_rule(layer_type: type, rule: LayerRule | None = None) -> None:
    """Tell :func:`summary` how to count a layer type of your own (and its subclasses).

    Args:
        layer_type: the ``Module`` subclass.
        rule: ``rule(call: LayerCall) -> Count``; ``None`` trusts the ops its forward runs
            (``call.ops``), which silences the "no counting rule" warning.
    """
    if not isinstance(layer_type, type):
        raise TypeError(f"layer_type: expected a Module subclass, got {layer_type!r}")
    if rule is not None and not callable(rule):
        raise TypeError(f"rule: expected a function of a LayerCall, or None, got {rule!r}")
    _CUSTOM_RULES[layer_type] = rule


@functools.cache
def _builtin_layer_rules() -> dict[type, LayerRule]:
    from hubel import nn

    return {
        nn.Conv2d: _conv2d,
        nn.Linear: _linear,
        nn.MaxPool2d: functools.partial(_pool2d, is_max=True),
        nn.AvgPool2d: functools.partial(_pool2d, is_max=False),
        nn.AdaptiveAvgPool2d: _adaptive_pool2d,  # AdaptiveMaxPool2d is its subclass
        nn.BatchNorm1d: _batchnorm,
        nn.BatchNorm2d: _batchnorm,
    }


def _from_ops(call: LayerCall) -> Count:
    return call.ops


def layer_rule(module: object) -> LayerRule | None:
    """The rule for ``module``: its class's (or the nearest base class's), else None."""
    builtin = _builtin_layer_rules()
    for cls in type(module).__mro__:
        if cls in _CUSTOM_RULES:
            return _CUSTOM_RULES[cls] or _from_ops
        if cls in builtin:
            return builtin[cls]
    return None


def is_hubel_layer(module: object) -> bool:
    """Whether ``module``'s class is one of hubel's own (``hubel.nn``, the zoo): those are built
    only from hubel ops, each of which has a rule, so counting their ops is exact."""
    return type(module).__module__.split(".")[0] == "hubel"


def count_layer(call: LayerCall) -> Count:
    """What one call of a layer cost: its rule's answer, or else the ops its forward ran."""
    rule = layer_rule(call.module) or _from_ops
    return rule(call)
