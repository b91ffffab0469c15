"""The course's must-know counts: parameters, MACs, batch norm's numbers, the receptive field.

Each function validates its arguments, then answers with the value and the worked steps
(see :class:`hubel.analysis.answer.Answer`). Output sizes live in
:mod:`hubel.analysis.output_size`; whole layers and stacks in :mod:`hubel.analysis.layers`
and :mod:`hubel.analysis.stack`.

A MAC is one multiply-accumulate ``acc += w·x``. By the usual convention bias additions are
not counted, and pooling, activations and batch norm count 0 MACs.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral

from hubel.analysis.answer import Answer, fmt, product
from hubel.analysis.validate import Pair, check_bool, check_int, check_pair


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """Raise unless ``groups`` divides both channel counts (each group sees C_in/groups inputs)."""
    check_int("in_channels", in_channels)
    check_int("out_channels", out_channels)
    check_int("groups", groups)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(
                f"groups: expected a divisor of in_channels={in_channels} and "
                f"out_channels={out_channels}, got groups={groups} "
                f"({name} {channels} / {groups} = {channels / groups:g} is not a whole number)"
            )


def _kernel_factors(kernel: Pair, in_channels: int, groups: int) -> list[int | str]:
    # each filter sees only its group's channels: C_in/groups of them
    channels = fmt(in_channels) if groups == 1 else f"({fmt(in_channels)}/{fmt(groups)})"
    return [*kernel, channels]


def conv_params(
    in_channels: int,
    out_channels: int,
    kernel_size: int | Pair,
    groups: int = 1,
    bias: bool = True,
) -> Answer[int]:
    """Parameters of a convolution: ``(F_h·F_w·D_in/groups + 1_bias)·K``.

    Each of the K filters has F_h·F_w·(D_in/groups) weights and one bias.

    >>> print(conv_params(3, 64, 7))
    params = (7·7·3 + 1)·64 = 9,472
    """
    kernel = check_pair("kernel_size", kernel_size)
    check_groups(in_channels, out_channels, groups)
    check_bool("bias", bias)
    per_filter = kernel[0] * kernel[1] * (in_channels // groups)
    value = (per_filter + bias) * out_channels
    weights = product(_kernel_factors(kernel, in_channels, groups))
    if bias:
        formula = "params = (F_h·F_w·D_in/groups + 1)·K"
        step = f"params = ({weights} + 1)·{fmt(out_channels)} = {fmt(value)}"
    else:
        formula = "params = F_h·F_w·D_in/groups·K"
        step = f"params = {weights}·{fmt(out_channels)} = {fmt(value)}"
    return Answer(value, formula, (step,))


def conv_macs(
    in_channels: int,
    out_channels: int,
    kernel_size: int | Pair,
    output_size: int | Pair,
    groups: int = 1,
) -> Answer[int]:
    """Multiply-accumulates of a convolution: ``K_h·K_w·(C_in/groups)·C_out·H_out·W_out``.

    Every output value (C_out·H_out·W_out of them) is one filter's dot product with a
    K_h·K_w·(C_in/groups) window. Forgetting the ``/groups`` makes a depthwise layer
    (groups = C_in) C_in times too expensive.

    >>> print(conv_macs(3, 64, 7, 112))
    MACs = 7·7·3·64·112·112 = 118,013,952
    """
    kernel = check_pair("kernel_size", kernel_size)
    height, width = check_pair("output_size", output_size)
    check_groups(in_channels, out_channels, groups)
    value = kernel[0] * kernel[1] * (in_channels // groups) * out_channels * height * width
    factors = [*_kernel_factors(kernel, in_channels, groups), out_channels, height, width]
    formula = "MACs = K_h·K_w·(C_in/groups)·C_out·H_out·W_out"
    return Answer(value, formula, (f"MACs = {product(factors)} = {fmt(value)}",))


def linear_params(in_features: int, out_features: int, bias: bool = True) -> Answer[int]:
    """Parameters of a fully connected layer: ``in·out + out``.

    A weight for each (input, output) pair, and a bias for each output.

    >>> print(linear_params(3072, 1024))
    params = 3,072·1,024 + 1,024 = 3,146,752
    """
    check_int("in_features", in_features)
    check_int("out_features", out_features)
    check_bool("bias", bias)
    value = in_features * out_features + bias * out_features
    step = f"params = {product([in_features, out_features])}"
    step += f" + {fmt(out_features)}" if bias else ""
    formula = "params = in·out + out" if bias else "params = in·out"
    return Answer(value, formula, (f"{step} = {fmt(value)}",))


def linear_macs(in_features: int, out_features: int) -> Answer[int]:
    """Multiply-accumulates of a fully connected layer: ``in·out`` (one dot product per output).

    >>> print(linear_macs(400, 120))
    MACs = 400·120 = 48,000
    """
    check_int("in_features", in_features)
    check_int("out_features", out_features)
    value = in_features * out_features
    step = f"MACs = {product([in_features, out_features])} = {fmt(value)}"
    return Answer(value, "MACs = in·out", (step,))


@dataclass(frozen=True)
class BatchNormCounts:
    """What a BatchNorm layer stores, per PyTorch.

    Attributes:
        trainable: 2·C when affine (the scale γ, ``weight``, and shift β, ``bias``), else 0.
        buffers: 2·C + 1 when tracking running stats (``running_mean``, ``running_var``
            and the scalar ``num_batches_tracked``), else 0. Buffers are saved in the
            state_dict but are not learned by gradient descent.
        steps: the worked lines.
    """

    trainable: int
    buffers: int
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.steps)


def batchnorm_params(
    num_features: int, affine: bool = True, track_running_stats: bool = True
) -> BatchNormCounts:
    """Batch norm's numbers: ``2·C`` trainable (γ, β) and ``2·C + 1`` buffers.

    >>> print(batchnorm_params(64))
    trainable = 2·64 = 128 (weight γ and bias β, one of each per channel)
    buffers = 2·64 + 1 = 129 (running_mean and running_var per channel, and num_batches_tracked)
    """
    channels = check_int("num_features", num_features)
    check_bool("affine", affine)
    check_bool("track_running_stats", track_running_stats)
    trainable = 2 * channels if affine else 0
    buffers = 2 * channels + 1 if track_running_stats else 0
    steps = (
        f"trainable = 2·{fmt(channels)} = {fmt(trainable)} "
        "(weight γ and bias β, one of each per channel)"
        if affine
        else "trainable = 0 (affine=False)",
        f"buffers = 2·{fmt(channels)} + 1 = {fmt(buffers)} "
        "(running_mean and running_var per channel, and num_batches_tracked)"
        if track_running_stats
        else "buffers = 0 (track_running_stats=False)",
    )
    return BatchNormCounts(trainable, buffers, steps)


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of a stack of windows, along one dimension.

    Attributes:
        value: r, how many input pixels one output pixel of the last layer sees.
        jump: j, the distance in input pixels between neighbouring outputs of the last layer.
        per_layer: ``(r, j)`` after each layer.
        steps: the worked lines, one per layer.
    """

    value: int
    jump: int
    per_layer: tuple[Pair, ...]
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.steps)


Layer = int | tuple[int, ...] | Mapping[str, int]


def _window_numbers(index: int, layer: Layer) -> tuple[int, int, int]:
    """(kernel_size, stride, dilation) from ``k``, ``(k, s)``, ``(k, s, d)`` or a mapping."""
    name = f"layers[{index}]"
    if isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel_size", "stride", "dilation"}
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"{name}: expected keys kernel_size and optionally stride, dilation, "
                f"got {dict(layer)}"
            )
        numbers = (layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1))
    elif isinstance(layer, tuple | list) and 1 <= len(layer) <= 3:
        numbers = (*layer, 1, 1)[:3]
    elif isinstance(layer, Integral):
        numbers = (layer, 1, 1)
    else:
        raise TypeError(
            f"{name}: expected kernel_size, (kernel_size, stride), "
            f"(kernel_size, stride, dilation) or a dict of them, got {layer!r}"
        )
    kernel, stride, dilation = numbers
    return (
        check_int(f"{name} kernel_size", kernel),
        check_int(f"{name} stride", stride),
        check_int(f"{name} dilation", dilation),
    )


def receptive_field(layers: Iterable[Layer]) -> ReceptiveField:
    """Receptive field of a stack: ``r_out = r_in + (k - 1)·d·j_in`` and ``j_out = j_in·s``.

    Start from one input pixel (r = 1, j = 1). Each layer widens the field by k - 1 of its
    inputs, and its inputs are j_in input pixels apart (d·j_in with dilation); a stride s
    spreads the next layer's inputs s times further. Padding moves the field, not its size.

    Args:
        layers: one entry per conv or pooling layer: ``k``, ``(k, s)``, ``(k, s, d)``
            or ``{"kernel_size": k, "stride": s, "dilation": d}``.

    >>> receptive_field([3, 3, 3]).value  # three 3x3 convs see what one 7x7 sees (VGG)
    7
    """
    field, jump = 1, 1
    per_layer, steps = [], ["start: r = 1, j = 1"]
    for index, layer in enumerate(layers):
        kernel, stride, dilation = _window_numbers(index, layer)
        widened = field + (kernel - 1) * dilation * jump
        taps_apart = [jump] if dilation == 1 else [dilation, jump]
        spread_text = f"({fmt(kernel)} - 1)·{product(taps_apart)}"
        steps.append(
            f"layer {index + 1} (k={kernel}, s={stride}"
            + (f", d={dilation}" if dilation != 1 else "")
            + f"): r = {fmt(field)} + {spread_text} = {fmt(widened)}, "
            f"j = {fmt(jump)}·{stride} = {fmt(jump * stride)}"
        )
        field, jump = widened, jump * stride
        per_layer.append((field, jump))
    if not per_layer:
        raise ValueError("layers: expected at least one layer, got none")
    return ReceptiveField(field, jump, tuple(per_layer), tuple(steps))
