"""ResNet: He, Zhang, Ren and Sun, "Deep residual learning for image recognition" (CVPR 2016).

The key idea: instead of asking a stack of layers to learn the mapping H(x) directly, let it
learn the residual F(x) = H(x) - x and add the input back through a skip connection,

    y = ReLU(F(x) + x).

If the best thing a block can do is nothing, F only has to go to zero, which is easy; and in
backward the sum passes the gradient straight to x (dy/dx = dF/dx + 1), a shortcut that keeps
gradients alive through 152 layers. Without it, deeper plain networks train *worse* than shallow
ones (the degradation problem; see ``plain20``/``plain56`` in :mod:`resnet_cifar`).

Two blocks: ``BasicBlock`` (two 3x3 convolutions; ResNet-18/34) and ``Bottleneck`` (1x1 reduce
to a quarter of the width, 3x3, 1x1 expand back; ResNet-50/101/152), which keeps deep networks
affordable the way GoogLeNet's 1x1 reductions do. Where a stage halves H and W and changes the
width, the shortcut is a strided 1x1 convolution + batch norm (option B in the paper).

Layer for layer and key for key torchvision's ``ResNet`` (stride on the 3x3 convolution of the
bottleneck: "ResNet v1.5"). ``resnet18_cifar`` is the common CIFAR-10 adaptation: a 3x3 stride-1
stem and no max pool, so 32x32 inputs keep their resolution into the first stage.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import check_positive_int, init_cnn
from .registry import register_model


def conv3x3(in_channels: int, out_channels: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """3x3 convolution, padding 1 (keeps H, W at stride 1), no bias (batch norm follows)."""
    return nn.Conv2d(
        in_channels,
        out_channels,
        kernel_size=3,
        stride=stride,
        padding=1,
        groups=groups,
        bias=False,
    )


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution, no bias: mixes channels at each pixel."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """y = ReLU(BN(conv3x3(ReLU(BN(conv3x3(x))))) + shortcut(x)); (N, C_in, H, W) →
    (N, planes, H/stride, W/stride).

    ``downsample`` is the shortcut when shapes change (identity when None). ``skip=False``
    drops the addition: the plain network of the degradation experiment.
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        skip: bool = True,
    ):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride, self.skip = stride, skip

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.skip:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """y = ReLU(BN(conv1x1_expand(ReLU(BN(conv3x3(ReLU(BN(conv1x1_reduce(x))))))) + shortcut);
    (N, C_in, H, W) → (N, 4·planes, H/stride, W/stride).

    The 3x3 convolution works on ``planes`` channels, a quarter of the block's output: a
    bottleneck of 256 → 64 → 64 → 256 costs ~70K weights where two 3x3 256 → 256 cost 1.2M.
    """

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision's ResNet: (N, 3, H, W) → (N, num_classes); H, W >= 32 (224 as trained).

    stem: conv7x7/2 64 + BN + ReLU + max pool 3x3/2 (224 → 56); layer1..layer4 of ``layers``
    blocks at 64, 128, 256, 512 planes, layer2..4 starting with stride 2 (56 → 28 → 14 → 7);
    global average pool; fc. ``cifar_stem=True``: conv3x3/1 and no max pool (32 stays 32).
    """

    def __init__(
        self,
        block: type[BasicBlock] | type[Bottleneck],
        layers: list[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        cifar_stem: bool = False,
        zero_init_residual: bool = False,
    ):
        super().__init__()
        num_classes = check_positive_int("ResNet", "num_classes", num_classes)
        in_channels = check_positive_int("ResNet", "in_channels", in_channels)
        self.inplanes = 64
        if cifar_stem:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if cifar_stem else nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        init_cnn(self)
        if zero_init_residual:  # each block starts as the identity: γ = 0 in its last BN
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))


_IDEA = "skip connections: blocks learn F(x) + x"


@register_model("resnet18", family="ResNet", input_size=(3, 224, 224), year=2015, idea=_IDEA)
def resnet18(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-18: basic blocks [2, 2, 2, 2], 11,689,512 parameters."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, zero_init_residual=zero_init_residual)


@register_model("resnet34", family="ResNet", input_size=(3, 224, 224), year=2015, idea=_IDEA)
def resnet34(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-34: basic blocks [3, 4, 6, 3], 21,797,672 parameters."""
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, zero_init_residual=zero_init_residual)


@register_model(
    "resnet50",
    family="ResNet",
    input_size=(3, 224, 224),
    year=2015,
    idea="skip connections + 1x1 bottleneck blocks",
)
def resnet50(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-50: bottleneck blocks [3, 4, 6, 3], 25,557,032 parameters."""
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, zero_init_residual=zero_init_residual)


@register_model(
    "resnet101",
    family="ResNet",
    input_size=(3, 224, 224),
    year=2015,
    idea="skip connections + 1x1 bottleneck blocks",
)
def resnet101(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-101: bottleneck blocks [3, 4, 23, 3], 44,549,160 parameters."""
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, zero_init_residual=zero_init_residual)


@register_model(
    "resnet152",
    family="ResNet",
    input_size=(3, 224, 224),
    year=2015,
    idea="skip connections + 1x1 bottleneck blocks",
)
def resnet152(num_classes: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-152: bottleneck blocks [3, 8, 36, 3], 60,192,808 parameters."""
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes, zero_init_residual=zero_init_residual)


@register_model(
    "resnet18_cifar",
    family="ResNet",
    input_size=(3, 32, 32),
    year=2015,
    idea="ResNet-18 for CIFAR-10: 3x3 stem, no max pool",
)
def resnet18_cifar(num_classes: int = 10, in_channels: int = 3) -> ResNet:
    """ResNet-18 with a 3x3 stride-1 stem and no max pool for 32x32 inputs (the common CIFAR-10
    adaptation), 11,173,962 parameters for 10 classes."""
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, in_channels, cifar_stem=True)


__all__ = [
    "ResNet",
    "BasicBlock",
    "Bottleneck",
    "conv1x1",
    "conv3x3",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "resnet18_cifar",
]
