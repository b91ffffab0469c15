"""The CIFAR-10 ResNets of He et al. 2016 ("Deep residual learning for image recognition",
section 4.2), and the plain networks they were compared with.

Depth 6n + 2 on 32x32x3 inputs: a 3x3 convolution to 16 channels, then three stages of n basic
blocks (two 3x3 convolutions each) at 32x32x16, 16x16x32 and 8x8x64 (the first block of stages 2
and 3 has stride 2), global average pooling and a 64 → 10 fully connected layer:

    resnet20 (n=3) 0.27M · resnet32 (n=5) 0.46M · resnet44 (n=7) 0.66M · resnet56 (n=9) 0.85M
    · resnet110 (n=18) 1.7M parameters.

Shortcuts are the paper's option A: where a block halves H and W and doubles the channels, the
shortcut takes every other pixel (stride-2 subsampling) and pads the new channels with zeros, so
every shortcut is parameter-free and each block learns F(x) + x. ``plain20``/``plain56`` are the
same networks without the shortcuts: the paper's Figure 6 shows the 56-layer plain network with
*higher training error* than the 20-layer one (degradation), while ResNet-56 beats ResNet-20.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..backend import get_array_module
from ..tensor import Tensor
from .common import check_positive_int, init_cnn
from .registry import register_model
from .resnet import BasicBlock, conv3x3


class ZeroPadShortcut(nn.Module):
    """Option A shortcut, no parameters: x[:, :, ::stride, ::stride] with ``extra`` zero
    channels appended, (N, C, H, W) → (N, C + extra, H/stride, W/stride)."""

    def __init__(self, stride: int, extra_channels: int):
        super().__init__()
        self.stride, self.extra_channels = stride, extra_channels

    def forward(self, x: Tensor) -> Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        n, _, h, w = x.shape
        xp = get_array_module(x.data)
        # Half the new channels before, half after, as the common implementations do.
        before = self.extra_channels // 2
        after = self.extra_channels - before
        pad_before = Tensor(xp.zeros((n, before, h, w), dtype=x.dtype))
        pad_after = Tensor(xp.zeros((n, after, h, w), dtype=x.dtype))
        return F.cat([pad_before, x, pad_after], dim=1)

    def extra_repr(self) -> str:
        return f"stride={self.stride}, extra_channels={self.extra_channels}"


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for CIFAR-10: (N, C, H, W) → (N, num_classes), H, W >= 4 (32 as in the
    paper). ``skip=False`` builds the plain network of the same depth."""

    def __init__(
        self, depth: int = 20, num_classes: int = 10, in_channels: int = 3, skip: bool = True
    ):
        super().__init__()
        depth = check_positive_int("CifarResNet", "depth", depth)
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f"CifarResNet: depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, "
                f"110, ...), got {depth}"
            )
        num_classes = check_positive_int("CifarResNet", "num_classes", num_classes)
        in_channels = check_positive_int("CifarResNet", "in_channels", in_channels)
        blocks = (depth - 2) // 6
        self.depth, self.skip = depth, skip
        self.conv1 = conv3x3(in_channels, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.inplanes = 16
        self.layer1 = self._make_layer(16, blocks, 1)
        self.layer2 = self._make_layer(32, blocks, 2)
        self.layer3 = self._make_layer(64, blocks, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        init_cnn(self)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        layers = []
        for index in range(blocks):
            block_stride = stride if index == 0 else 1
            shortcut = None
            if block_stride != 1 or self.inplanes != planes:
                shortcut = ZeroPadShortcut(block_stride, planes - self.inplanes)
            layers.append(BasicBlock(self.inplanes, planes, block_stride, shortcut, self.skip))
            self.inplanes = planes
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(F.flatten(self.avgpool(x), 1))


_IDEA = "skip connections on CIFAR-10: parameter-free option-A shortcuts"
_PLAIN = "the same net without skip connections (degradation experiment)"


@register_model("resnet20", family="ResNet", input_size=(3, 32, 32), year=2015, idea=_IDEA)
def resnet20(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-20 for CIFAR-10 (n = 3), 269,722 parameters; see :class:`CifarResNet`."""
    return CifarResNet(20, num_classes, in_channels)


@register_model("resnet32", family="ResNet", input_size=(3, 32, 32), year=2015, idea=_IDEA)
def resnet32(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-32 for CIFAR-10 (n = 5), 464,154 parameters."""
    return CifarResNet(32, num_classes, in_channels)


@register_model("resnet44", family="ResNet", input_size=(3, 32, 32), year=2015, idea=_IDEA)
def resnet44(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-44 for CIFAR-10 (n = 7), 658,586 parameters."""
    return CifarResNet(44, num_classes, in_channels)


@register_model("resnet56", family="ResNet", input_size=(3, 32, 32), year=2015, idea=_IDEA)
def resnet56(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-56 for CIFAR-10 (n = 9), 853,018 parameters."""
    return CifarResNet(56, num_classes, in_channels)


@register_model("resnet110", family="ResNet", input_size=(3, 32, 32), year=2015, idea=_IDEA)
def resnet110(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-110 for CIFAR-10 (n = 18), 1,727,962 parameters."""
    return CifarResNet(110, num_classes, in_channels)


@register_model("plain20", family="Plain", input_size=(3, 32, 32), year=2015, idea=_PLAIN)
def plain20(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-20 without its skip connections: 20 plain layers, the same 269,722 parameters."""
    return CifarResNet(20, num_classes, in_channels, skip=False)


@register_model("plain56", family="Plain", input_size=(3, 32, 32), year=2015, idea=_PLAIN)
def plain56(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """ResNet-56 without its skip connections: it trains worse than plain20 (degradation)."""
    return CifarResNet(56, num_classes, in_channels, skip=False)


__all__ = [
    "CifarResNet",
    "ZeroPadShortcut",
    "resnet20",
    "resnet32",
    "resnet44",
    "resnet56",
    "resnet110",
    "plain20",
    "plain56",
]
