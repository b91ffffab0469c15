"""VGG: Simonyan and Zisserman, "Very deep convolutional networks for large-scale image
recognition" (ICLR 2015).

The key idea: use only 3x3 filters (stride 1, padding 1) and 2x2 max pools, and go deep. Two
stacked 3x3 convolutions see a 5x5 window, three see 7x7, with fewer weights (3·(3·3·C·C) =
27C² against 49C² for one 7x7) and a ReLU between each: "deeper is better". The cost is size:
the first fully connected layer alone (512·7·7 → 4096) holds 102.8M of VGG-16's 138.4M weights.

Configurations (the paper's Table 1; numbers are 3x3 conv channels, M a 2x2 max pool):

    vgg11 (A)  64 M 128 M 256 256 M 512 512 M 512 512 M
    vgg13 (B)  64 64 M 128 128 M 256 256 M 512 512 M 512 512 M
    vgg16 (D)  64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M
    vgg19 (E)  64 64 M 128 128 M 256 256 256 256 M 512 512 512 512 M 512 512 512 512 M

``vggN_bn`` adds batch norm after each convolution (not in the paper; torchvision's variant).
Layer for layer and key for key torchvision's ``VGG``. ``vgg11_cifar``/``vgg16_cifar`` are the
common CIFAR-10 adaptation: the same features with batch norm (32x32 → 1x1x512 after five pools)
and one linear layer 512 → 10.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import check_positive_int, check_probability, init_cnn
from .registry import register_model

CONFIGS: dict[int, list] = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    19: [
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        512,
        "M",
    ],
}


def make_layers(config: list, batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """The feature extractor: each number a 3x3 conv (padding 1, keeps H and W) [+ BN] + ReLU,
    each "M" a 2x2 max pool that halves H and W."""
    layers: list[nn.Module] = []
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, item, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(item))
        layers.append(nn.ReLU(inplace=True))
        in_channels = item
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """torchvision's VGG: (N, 3, H, W) → (N, num_classes), H, W >= 32 (224 as trained).

    features (see :func:`make_layers`) → adaptive average pool to 7x7 → classifier
    25088 → 4096 → 4096 → num_classes with ReLU and dropout. Initialised as torchvision:
    convolutions He normal (fan_out), linear N(0, 0.01²), biases 0.
    """

    def __init__(self, features: nn.Sequential, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        num_classes = check_positive_int("VGG", "num_classes", num_classes)
        dropout = check_probability("VGG", "dropout", dropout)
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        init_cnn(self, linear_std=0.01)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(F.flatten(x, 1))


class CifarVGG(nn.Module):
    """VGG for CIFAR-10: (N, C, 32, 32) → (N, num_classes). The features with batch norm end at
    1x1x512 after five pools; a global average pool (so larger inputs work too) and one linear
    layer 512 → num_classes replace the 120M-parameter ImageNet classifier."""

    def __init__(self, depth: int = 16, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        if depth not in CONFIGS:
            raise ValueError(f"CifarVGG: depth must be one of {sorted(CONFIGS)}, got {depth!r}")
        num_classes = check_positive_int("CifarVGG", "num_classes", num_classes)
        in_channels = check_positive_int("CifarVGG", "in_channels", in_channels)
        self.features = make_layers(CONFIGS[depth], batch_norm=True, in_channels=in_channels)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(512, num_classes)
        init_cnn(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


def _vgg(depth: int, batch_norm: bool, num_classes: int, dropout: float) -> VGG:
    return VGG(make_layers(CONFIGS[depth], batch_norm), num_classes, dropout)


_IDEA = "3x3 filters only, stacked deep: deeper is better"
_IDEA_BN = "VGG with batch norm after every convolution"


@register_model("vgg11", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA)
def vgg11(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-11 (configuration A): 8 convolutions + 3 FC, 132,863,336 parameters."""
    return _vgg(11, False, num_classes, dropout)


@register_model("vgg13", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA)
def vgg13(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-13 (configuration B): 10 convolutions + 3 FC, 133,047,848 parameters."""
    return _vgg(13, False, num_classes, dropout)


@register_model("vgg16", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA)
def vgg16(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 (configuration D): 13 convolutions + 3 FC, 138,357,544 parameters."""
    return _vgg(16, False, num_classes, dropout)


@register_model("vgg19", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA)
def vgg19(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-19 (configuration E): 16 convolutions + 3 FC, 143,667,240 parameters."""
    return _vgg(19, False, num_classes, dropout)


@register_model("vgg11_bn", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA_BN)
def vgg11_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-11 with batch norm, 132,868,840 parameters."""
    return _vgg(11, True, num_classes, dropout)


@register_model("vgg13_bn", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA_BN)
def vgg13_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-13 with batch norm, 133,053,736 parameters."""
    return _vgg(13, True, num_classes, dropout)


@register_model("vgg16_bn", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA_BN)
def vgg16_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 with batch norm, 138,365,992 parameters."""
    return _vgg(16, True, num_classes, dropout)


@register_model("vgg19_bn", family="VGG", input_size=(3, 224, 224), year=2014, idea=_IDEA_BN)
def vgg19_bn(num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-19 with batch norm, 143,678,248 parameters."""
    return _vgg(19, True, num_classes, dropout)


@register_model(
    "vgg11_cifar",
    family="VGG",
    input_size=(3, 32, 32),
    year=2014,
    idea="VGG-11 with batch norm for CIFAR-10: one 512→10 linear layer",
)
def vgg11_cifar(num_classes: int = 10, in_channels: int = 3) -> CifarVGG:
    """VGG-11 with batch norm on 32x32 images, 9,231,114 parameters for 10 classes."""
    return CifarVGG(11, num_classes, in_channels)


@register_model(
    "vgg16_cifar",
    family="VGG",
    input_size=(3, 32, 32),
    year=2014,
    idea="VGG-16 with batch norm for CIFAR-10: one 512→10 linear layer",
)
def vgg16_cifar(num_classes: int = 10, in_channels: int = 3) -> CifarVGG:
    """VGG-16 with batch norm on 32x32 images, 14,728,266 parameters for 10 classes."""
    return CifarVGG(16, num_classes, in_channels)


__all__ = [
    "VGG",
    "CifarVGG",
    "CONFIGS",
    "make_layers",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg13_bn",
    "vgg16_bn",
    "vgg19_bn",
    "vgg11_cifar",
    "vgg16_cifar",
]
