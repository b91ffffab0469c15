"""MobileNet (v1): Howard et al., "MobileNets: efficient convolutional neural networks for mobile
vision applications" (arXiv 2017).

The key idea, made for phones: replace each standard convolution by a **depthwise separable**
one, a spatial 3x3 filter per channel (depthwise, ``groups=C``) followed by a 1x1 convolution
that mixes the channels (pointwise). For F x F filters, C_in → C_out channels on an H x W output:

    standard:  F·F·C_in·C_out·H·W MACs
    separable: F·F·C_in·H·W + C_in·C_out·H·W MACs,  a ratio of 1/C_out + 1/F²

so 8 to 9 times fewer MACs and parameters for 3x3 filters. The paper's Table 1 (224x224x3):

    conv 3x3/2 32 → 112x112;  13 blocks "dw 3x3 + BN + ReLU, pw 1x1 + BN + ReLU" with pointwise
    widths 64, 128/2, 128, 256/2, 256, 512/2, 512 x5, 1024/2, 1024 (/2: the depthwise stride)
    → 7x7x1024;  global average pool;  FC 1000.  4,231,976 parameters.

The width multiplier α scales every layer's channels (αC, so costs fall by about α²); the
resolution multiplier ρ scales the input (224ρ, costs fall by ρ²). ``mobilenet_v1_cifar`` is the
common CIFAR-10 adaptation: the first convolution keeps stride 1, so 32x32 ends at 2x2.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import check_positive, check_positive_int, conv_bn_act, init_cnn
from .registry import register_model

# (pointwise output channels, depthwise stride) of the 13 separable blocks (the paper's Table 1;
# its second-to-last row says s2 for the last block, but the 7x7 output it lists needs s1).
BLOCKS = [
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
]


class DepthwiseSeparable(nn.Module):
    """depthwise 3x3 (one filter per channel, ``groups=C_in``) + BN + ReLU, then pointwise 1x1
    + BN + ReLU: (N, C_in, H, W) → (N, C_out, H/stride, W/stride).

    Parameters: 3·3·C_in + C_in·C_out (plus 2 per channel for each BN), against 3·3·C_in·C_out
    for a standard 3x3 convolution.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.depthwise = conv_bn_act(in_channels, in_channels, 3, stride, groups=in_channels)
        self.pointwise = conv_bn_act(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.pointwise(self.depthwise(x))


class MobileNetV1(nn.Module):
    """MobileNet v1: (N, C, H, W) → (N, num_classes); H, W = ``resolution`` (224 as in the paper;
    global average pooling makes any size >= 32 work).

    ``width_mult`` (α > 0) scales every layer's channels to int(α·C) (at least 1);
    ``first_stride=1`` is the CIFAR adaptation.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        width_mult: float = 1.0,
        resolution: int = 224,
        in_channels: int = 3,
        first_stride: int = 2,
    ):
        super().__init__()
        num_classes = check_positive_int("MobileNetV1", "num_classes", num_classes)
        in_channels = check_positive_int("MobileNetV1", "in_channels", in_channels)
        self.width_mult = check_positive("MobileNetV1", "width_mult", width_mult)
        self.resolution = check_positive_int("MobileNetV1", "resolution", resolution)
        channels = self.scaled(32)
        layers: list[nn.Module] = [conv_bn_act(in_channels, channels, 3, first_stride)]
        for out_channels, stride in BLOCKS:
            layers.append(DepthwiseSeparable(channels, self.scaled(out_channels), stride))
            channels = self.scaled(out_channels)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        init_cnn(self)

    def scaled(self, channels: int) -> int:
        """A layer's width under the width multiplier: int(α·C), at least 1."""
        return max(1, int(channels * self.width_mult))

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(F.flatten(self.avgpool(self.features(x)), 1))


@register_model(
    "mobilenet_v1",
    family="MobileNet",
    input_size=(3, 224, 224),
    year=2017,
    idea="depthwise separable convolutions: a 3x3 filter per channel, then 1x1 mixing",
)
def mobilenet_v1(
    num_classes: int = 1000, width_mult: float = 1.0, resolution: int = 224
) -> MobileNetV1:
    """MobileNet v1 (Howard et al. 2017): 4,231,976 parameters at width 1.0; ``width_mult`` α
    scales every layer's channels, ``resolution`` is the input size the model is meant for."""
    return MobileNetV1(num_classes, width_mult, resolution)


@register_model(
    "mobilenet_v1_cifar",
    family="MobileNet",
    input_size=(3, 32, 32),
    year=2017,
    idea="MobileNet v1 for CIFAR-10: stride-1 first convolution",
)
def mobilenet_v1_cifar(
    num_classes: int = 10, in_channels: int = 3, width_mult: float = 1.0
) -> MobileNetV1:
    """MobileNet v1 for 32x32 inputs: the first convolution keeps stride 1 (32 → 2x2 at the
    end), 3,217,226 parameters for 10 classes at width 1.0."""
    return MobileNetV1(num_classes, width_mult, 32, in_channels, first_stride=1)


__all__ = ["MobileNetV1", "DepthwiseSeparable", "BLOCKS", "mobilenet_v1", "mobilenet_v1_cifar"]
