"""One layer's row of a summary: input shape, output shape, parameters, MACs, worked steps.

These combine the formulas of :mod:`hubel.analysis.output_size` and
:mod:`hubel.analysis.formulas` for one layer. Shapes are the course's ``(H, W, C)`` for
feature maps and ``(N,)`` for vectors (see :mod:`hubel.analysis.shapes`); a string like
``'32x32x3'`` is accepted wherever a shape is.
"""

from dataclasses import dataclass

from hubel.analysis.answer import fmt, product
from hubel.analysis.formulas import (
    batchnorm_params,
    conv_macs,
    conv_params,
    linear_macs,
    linear_params,
)
from hubel.analysis.output_size import Size, conv_output_size, pool_output_size
from hubel.analysis.shapes import Shape, as_feature_map, as_shape


@dataclass(frozen=True)
class LayerCost:
    """One layer: what goes in, what comes out, and what it costs.

    Attributes:
        name: the layer, e.g. ``'Conv2d'`` or the stack token ``'conv5x5x6'``.
        input_shape, output_shape: ``(H, W, C)`` or ``(N,)``.
        params: trainable parameters.
        macs: multiply-accumulates for one input (batch size 1).
        steps: the worked lines that give the output shape, params and MACs.
    """

    name: str
    input_shape: Shape
    output_shape: Shape
    params: int
    macs: int
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.steps)


def conv2d_cost(
    input_shape: str | Shape,
    out_channels: int,
    kernel_size: Size,
    stride: Size = 1,
    padding: int | tuple | str = 0,
    dilation: Size = 1,
    groups: int = 1,
    bias: bool = True,
    name: str = "Conv2d",
) -> LayerCost:
    """A convolution of an ``H x W x C_in`` input with ``out_channels`` filters (PyTorch's Conv2d).

    >>> conv2d_cost("224x224x3", 64, 7, stride=2, padding=3, bias=False).params
    9408
    """
    height, width, in_channels = as_feature_map(input_shape)
    size = conv_output_size(
        (height, width), kernel_size, stride, padding, dilation, layer_name=name
    )
    params = conv_params(in_channels, out_channels, kernel_size, groups, bias)
    macs = conv_macs(in_channels, out_channels, kernel_size, size.value, groups)
    return LayerCost(
        name,
        (height, width, in_channels),
        (*size.value, out_channels),
        params.value,
        macs.value,
        size.steps + params.steps + macs.steps,
    )


def pool2d_cost(
    input_shape: str | Shape,
    kernel_size: Size,
    stride: Size | None = None,
    padding: int | tuple = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    name: str = "MaxPool2d",
) -> LayerCost:
    """A max or average pooling (PyTorch's MaxPool2d/AvgPool2d): channels kept, no parameters.

    Pooling compares or averages; it has no weights, so it counts 0 params and 0 MACs.
    """
    height, width, channels = as_feature_map(input_shape)
    size = pool_output_size(
        (height, width), kernel_size, stride, padding, dilation, ceil_mode, layer_name=name
    )
    steps = (
        *size.steps,
        f"params = 0, MACs = 0 (pooling has no weights; channels stay {channels})",
    )
    return LayerCost(name, (height, width, channels), (*size.value, channels), 0, 0, steps)


def linear_cost(
    in_features: int, out_features: int, bias: bool = True, name: str = "Linear"
) -> LayerCost:
    """A fully connected layer (PyTorch's Linear): ``in`` features to ``out``."""
    params = linear_params(in_features, out_features, bias)
    macs = linear_macs(in_features, out_features)
    steps = params.steps + macs.steps
    return LayerCost(name, (in_features,), (out_features,), params.value, macs.value, steps)


def flatten_cost(input_shape: str | Shape, name: str = "flatten") -> LayerCost:
    """Flattening a feature map into a vector of ``H·W·C`` features, as before the first fc."""
    shape = as_shape(input_shape)
    features = 1
    for size in shape:
        features *= size
    steps = (f"features = {product(shape)} = {fmt(features)}",)
    return LayerCost(name, shape, (features,), 0, 0, steps)


def batchnorm_cost(input_shape: str | Shape) -> LayerCost:
    """Batch norm over the channels C of ``(H, W, C)`` (BatchNorm2d) or the N of ``(N,)`` (1d).

    2·C parameters. Its 2·C + 1 buffers are shown in the steps but not counted, like PyTorch's
    ``parameters()``; it counts 0 MACs (at inference it folds into the previous conv).
    """
    shape = as_shape(input_shape)
    counts = batchnorm_params(shape[-1])
    name = "BatchNorm2d" if len(shape) == 3 else "BatchNorm1d"
    return LayerCost(name, shape, shape, counts.trainable, 0, counts.steps)
