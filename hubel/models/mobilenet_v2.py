"""MobileNetV2: Sandler et al., "MobileNetV2: inverted residuals and linear bottlenecks" (CVPR
2018).

MobileNet's depthwise separable convolution, rearranged: each block **expands** a thin input
with a 1x1 convolution (t = 6 times the channels), filters it with a depthwise 3x3, and
**projects** it back to a thin output with a 1x1 convolution that has no ReLU (a "linear
bottleneck": a ReLU on so few channels would destroy information). Where input and output
shapes agree, a skip connection adds the block's input, as in ResNet, but between the thin ends
("inverted residual"). ReLU6 = min(max(x, 0), 6) keeps activations small for low-precision
phones. 3,504,872 parameters at width 1.0, 300M MACs at 224x224.

Layer for layer and key for key torchvision's ``MobileNetV2`` (``features.N.conv...``).
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import (
    check_positive,
    check_positive_int,
    check_probability,
    conv_bn_act,
    init_cnn,
)
from .registry import register_model

# t (expansion), c (output channels), n (repeats), s (stride of the first): the paper's Table 2.
SETTINGS = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


# y = min(max(x, 0), 6): ``nn.ReLU6``, Hardtanh(0, 6) as ``torch.nn.ReLU6``, whose gradient is
# 0 at exactly 0 and 6 (``clamp``'s would be 1 there).
ReLU6 = nn.ReLU6


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to the nearest multiple of ``divisor`` (hardware likes multiples
    of 8), never below ``divisor`` nor more than 10% below ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn_relu6(
    in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, groups: int = 1
) -> nn.Sequential:
    """conv (no bias) → BatchNorm2d → ReLU6."""
    return conv_bn_act(in_channels, out_channels, kernel_size, stride, groups, ReLU6)


class InvertedResidual(nn.Module):
    """expand 1x1 (t·C_in, skipped when t = 1) → depthwise 3x3 → linear project 1x1 (+ input
    when stride = 1 and C_in = C_out): (N, C_in, H, W) → (N, C_out, H/stride, W/stride)."""

    def __init__(self, inp: int, oup: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(conv_bn_relu6(inp, hidden, kernel_size=1))
        layers += [
            conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, oup, kernel_size=1, bias=False),
            nn.BatchNorm2d(oup),
        ]
        self.conv = nn.Sequential(*layers)
        self.stride, self.out_channels = stride, oup

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2: (N, 3, H, W) → (N, num_classes); H, W >= 32 (224 as trained).

    conv3x3/2 32 → 17 inverted residual blocks (``SETTINGS``) → conv1x1 1280 → global average
    pool → dropout → FC. ``width_mult`` scales the channels (rounded to multiples of 8).
    """

    def __init__(self, num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2):
        super().__init__()
        num_classes = check_positive_int("MobileNetV2", "num_classes", num_classes)
        width_mult = check_positive("MobileNetV2", "width_mult", width_mult)
        dropout = check_probability("MobileNetV2", "dropout", dropout)
        channels = make_divisible(32 * width_mult)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult))
        features: list[nn.Module] = [conv_bn_relu6(3, channels, stride=2)]
        for t, c, n, s in SETTINGS:
            out_channels = make_divisible(c * width_mult)
            for i in range(n):
                features.append(InvertedResidual(channels, out_channels, s if i == 0 else 1, t))
                channels = out_channels
        features.append(conv_bn_relu6(channels, self.last_channel, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes)
        )
        init_cnn(self, linear_std=0.01)

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(F.flatten(x, 1))


@register_model(
    "mobilenet_v2",
    family="MobileNet",
    input_size=(3, 224, 224),
    year=2018,
    idea="inverted residuals: expand 1x1, depthwise 3x3, linear 1x1 bottleneck",
)
def mobilenet_v2(
    num_classes: int = 1000, width_mult: float = 1.0, dropout: float = 0.2
) -> MobileNetV2:
    """MobileNetV2 as torchvision builds it, 3,504,872 parameters; see :class:`MobileNetV2`."""
    return MobileNetV2(num_classes, width_mult, dropout)


__all__ = [
    "MobileNetV2",
    "InvertedResidual",
    "ReLU6",
    "make_divisible",
    "conv_bn_relu6",
    "mobilenet_v2",
]
