"""Depthwise separable convolution against a standard one (MobileNet; Howard et al., 2017).

A standard D_K x D_K convolution from M channels to N, on a D_F x D_F output, costs

    D_K·D_K·M·N·D_F·D_F                 MACs.

MobileNet splits it in two: a depthwise D_K x D_K convolution that filters each channel on
its own (groups = M), then a pointwise 1x1 convolution that mixes the channels:

    D_K·D_K·M·D_F·D_F  +  M·N·D_F·D_F   MACs,

so the separable version costs  1/N + 1/D_K²  of the standard one (about 1/8 to 1/9 for
3x3 kernels). Like the paper, biases are left out of every count.
"""

from dataclasses import dataclass

from hubel.analysis.answer import fmt, fmt_decimal, product
from hubel.analysis.layers import LayerCost, conv2d_cost
from hubel.analysis.output_size import Size
from hubel.analysis.shapes import Shape, as_feature_map
from hubel.analysis.validate import check_pair


@dataclass(frozen=True)
class SeparableCost:
    """The three layers compared, and the ratio of their costs.

    Attributes:
        standard: the D_K x D_K convolution M → N.
        depthwise: the D_K x D_K convolution per channel (groups = M).
        pointwise: the 1x1 convolution M → N.
        ratio: (depthwise + pointwise MACs) / standard MACs, which equals 1/N + 1/D_K².
        steps: the comparison worked out in the paper's notation (each layer's own steps,
            output size included, are in its LayerCost).
    """

    standard: LayerCost
    depthwise: LayerCost
    pointwise: LayerCost
    ratio: float
    steps: tuple[str, ...]

    @property
    def separable_macs(self) -> int:
        return self.depthwise.macs + self.pointwise.macs

    @property
    def separable_params(self) -> int:
        return self.depthwise.params + self.pointwise.params

    def __str__(self) -> str:
        return "\n".join(self.steps)


def depthwise_separable_cost(
    input_shape: str | Shape,
    out_channels: int,
    kernel_size: Size,
    stride: Size = 1,
    padding: int | tuple | None = None,
) -> SeparableCost:
    """Compare a standard convolution with its depthwise separable replacement.

    Args:
        input_shape: ``(H, W, M)`` or ``'HxWxM'``.
        out_channels: N.
        kernel_size: D_K (or ``(h, w)``).
        stride: of the standard and the depthwise convolution.
        padding: defaults to ``kernel_size // 2``, which keeps the size at stride 1, as in
            MobileNet, so that D_F is the input's size.

    >>> cost = depthwise_separable_cost("112x112x32", 64, 3)  # MobileNet's first block
    >>> cost.separable_macs, cost.standard.macs, round(cost.ratio, 4)
    (29302784, 231211008, 0.1267)
    """
    kernel = check_pair("kernel_size", kernel_size)
    if padding is None:
        padding = (kernel[0] // 2, kernel[1] // 2)
    shape = as_feature_map(input_shape)
    channels = shape[2]
    standard = conv2d_cost(
        shape, out_channels, kernel_size, stride, padding, bias=False, name="standard"
    )
    depthwise = conv2d_cost(
        shape, channels, kernel_size, stride, padding, groups=channels, bias=False, name="depthwise"
    )
    pointwise = conv2d_cost(depthwise.output_shape, out_channels, 1, bias=False, name="pointwise")
    separable = depthwise.macs + pointwise.macs
    ratio = separable / standard.macs
    out_height, out_width, _ = standard.output_shape
    area = [out_height, out_width]
    steps = (
        f"D_F·D_F = {product(area)} (the output size, as worked out for the standard conv)",
        f"standard = D_K·D_K·M·N·D_F·D_F = {product([*kernel, channels, out_channels, *area])}"
        f" = {fmt(standard.macs)}",
        f"depthwise = D_K·D_K·M·D_F·D_F = {product([*kernel, channels, *area])}"
        f" = {fmt(depthwise.macs)}",
        f"pointwise = M·N·D_F·D_F = {product([channels, out_channels, *area])}"
        f" = {fmt(pointwise.macs)}",
        f"separable = depthwise + pointwise = {fmt(depthwise.macs)} + {fmt(pointwise.macs)}"
        f" = {fmt(separable)}",
        f"ratio = separable / standard = {fmt(separable)} / {fmt(standard.macs)}"
        f" = {ratio:.4f} = 1/N + 1/D_K² = 1/{fmt(out_channels)} + 1/{fmt(kernel[0] * kernel[1])}"
        f" ({fmt_decimal(1 / ratio)}x fewer MACs)",
    )
    return SeparableCost(standard, depthwise, pointwise, ratio, steps)
