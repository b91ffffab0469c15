"""GoogLeNet (Inception v1): Szegedy et al., "Going deeper with convolutions" (CVPR 2015).

The key idea: an Inception module runs 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool side by
side and concatenates their outputs along the channels, so the network picks its own filter size;
what makes it affordable is a **1x1 convolution that reduces the channels before each expensive
3x3 and 5x5** (and after the pool). Inception 3a's 5x5 branch on 28x28x192: directly 5·5·192·32 =
153,600 weights and 120M MACs; through a 1x1 reduction to 16 channels, 192·16 + 5·5·16·32 =
15,872 weights and 12.4M MACs, ten times less. 22 layers deep with 6.6M parameters, against
AlexNet's 61M and VGG-16's 138M. Global average pooling replaces the big fully connected layers.

Two auxiliary classifiers on intermediate layers (after 4a and 4d) add their losses during
training (weighted 0.3 in the paper) to push gradient into the lower layers; they are dropped at
inference. ``aux_logits=True`` builds them: the model then returns ``(logits, aux2, aux1)`` in
training mode and plain logits in eval mode, as torchvision does.

Layer for layer and key for key torchvision's ``GoogLeNet``, which adds batch norm after every
convolution (``BasicConv2d``) and, in the branch the paper calls 5x5, uses a 3x3 convolution (a
known slip kept for its pretrained weights; parameter counts below are for that). torchvision's
``googlenet()`` builds the auxiliary heads by default; here they are off by default (6,624,904
parameters), as in its pretrained model; with them, 13,004,888.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import check_positive_int, check_probability
from .registry import register_model


class GoogLeNetOutputs(NamedTuple):
    """What a GoogLeNet with auxiliary heads returns in training mode."""

    logits: Tensor
    aux_logits2: Tensor
    aux_logits1: Tensor


class BasicConv2d(nn.Module):
    """conv (no bias) → BatchNorm2d(eps=0.001) → ReLU; ``conv_kwargs`` go to ``nn.Conv2d``."""

    def __init__(self, in_channels: int, out_channels: int, **conv_kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **conv_kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches, concatenated along channels: (N, C_in, H, W) →
    (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).

    branch1: 1x1 · branch2: 1x1 reduce to ch3x3red → 3x3 · branch3: 1x1 reduce to ch5x5red →
    3x3 (5x5 in the paper) · branch4: 3x3 max pool (stride 1) → 1x1 projection.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
    ):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1),  # torchvision's 3x3
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return F.cat([branch(x) for branch in branches], dim=1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: adaptive average pool to 4x4 → 1x1 conv to 128 → FC 2048 → 1024 →
    ReLU → dropout → FC num_classes. (N, C_in, H, W) → (N, num_classes)."""

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7):
        super().__init__()
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(F.adaptive_avg_pool2d(x, (4, 4)))
        x = F.relu(self.fc1(F.flatten(x, 1)))
        return self.fc2(self.dropout(x))


# (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj): the paper's Table 1.
INCEPTIONS = {
    "3a": (192, 64, 96, 128, 16, 32, 32),
    "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64),
    "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64),
    "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """torchvision's GoogLeNet: (N, 3, H, W) → (N, num_classes); H, W >= 32 (224 as trained).

    stem: conv7x7/2 64 → max pool → conv1x1 64 → conv3x3 192 → max pool (224 → 28);
    inception 3a, 3b → max pool (14) → 4a..4e → max pool (7) → 5a, 5b; global average pool,
    dropout 0.2, FC 1024 → num_classes. ``cifar_stem=True`` replaces the stem by one 3x3
    convolution to 192 channels and keeps the resolution (32 → 32 → 16 → 8), the common
    CIFAR-10 adaptation. ``transform_input`` converts ImageNet-normalised input to the
    (x - 0.5)/0.5 scaling that torchvision's pretrained weights expect.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        aux_logits: bool = False,
        transform_input: bool = False,
        dropout: float = 0.2,
        dropout_aux: float = 0.7,
        in_channels: int = 3,
        cifar_stem: bool = False,
    ):
        super().__init__()
        num_classes = check_positive_int("GoogLeNet", "num_classes", num_classes)
        in_channels = check_positive_int("GoogLeNet", "in_channels", in_channels)
        dropout = check_probability("GoogLeNet", "dropout", dropout)
        dropout_aux = check_probability("GoogLeNet", "dropout_aux", dropout_aux)
        if transform_input and in_channels != 3:
            raise ValueError(f"GoogLeNet: transform_input needs in_channels=3, got {in_channels}")
        self.aux_logits, self.transform_input = aux_logits, transform_input
        if cifar_stem:
            self.conv1 = BasicConv2d(in_channels, 192, kernel_size=3, padding=1)
        else:
            self.conv1 = BasicConv2d(in_channels, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2 = BasicConv2d(64, 64, kernel_size=1)
            self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
            self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(*INCEPTIONS["3a"])
        self.inception3b = Inception(*INCEPTIONS["3b"])
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(*INCEPTIONS["4a"])
        self.inception4b = Inception(*INCEPTIONS["4b"])
        self.inception4c = Inception(*INCEPTIONS["4c"])
        self.inception4d = Inception(*INCEPTIONS["4d"])
        self.inception4e = Inception(*INCEPTIONS["4e"])
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(*INCEPTIONS["5a"])
        self.inception5b = Inception(*INCEPTIONS["5b"])
        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, dropout=dropout_aux)
            self.aux2 = InceptionAux(528, num_classes, dropout=dropout_aux)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        self.cifar_stem = cifar_stem
        # torchvision: truncated N(0, 0.01²) cut at ±2, i.e. at 200σ: a plain N(0, 0.01²).
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)

    def _transform_input(self, x: Tensor) -> Tensor:
        # (x·std + mean - 0.5) / 0.5 per channel, with ImageNet's mean and std.
        mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
        channels = [x[:, c : c + 1] * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5 for c in range(3)]
        return F.cat(channels, dim=1)

    def _stem(self, x: Tensor) -> Tensor:
        if self.cifar_stem:
            return self.conv1(x)
        x = self.maxpool1(self.conv1(x))
        return self.maxpool2(self.conv3(self.conv2(x)))

    def forward(self, x: Tensor) -> Tensor | GoogLeNetOutputs:
        if self.transform_input:
            x = self._transform_input(x)
        x = self.inception3b(self.inception3a(self._stem(x)))
        x = self.inception4a(self.maxpool3(x))
        with_aux = self.aux_logits and self.training
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        x = self.fc(self.dropout(F.flatten(self.avgpool(x), 1)))
        return GoogLeNetOutputs(x, aux2, aux1) if with_aux else x


@register_model(
    "googlenet",
    family="GoogLeNet",
    input_size=(3, 224, 224),
    year=2014,
    idea="Inception modules: 1x1 reductions before 3x3/5x5 convolutions",
)
def googlenet(
    num_classes: int = 1000, aux_logits: bool = False, transform_input: bool = False
) -> GoogLeNet:
    """GoogLeNet (Inception v1) as torchvision builds it: 6,624,904 parameters, or 13,004,888
    with ``aux_logits=True``; see :class:`GoogLeNet`."""
    return GoogLeNet(num_classes, aux_logits, transform_input)


@register_model(
    "googlenet_cifar",
    family="GoogLeNet",
    input_size=(3, 32, 32),
    year=2014,
    idea="GoogLeNet for CIFAR-10: one 3x3 stem convolution, no early pooling",
)
def googlenet_cifar(num_classes: int = 10, in_channels: int = 3) -> GoogLeNet:
    """GoogLeNet with a single 3x3 stem convolution to 192 channels for 32x32 inputs (the
    common CIFAR-10 adaptation); about 1.5 GMACs per image, heavy for NumPy."""
    return GoogLeNet(num_classes, in_channels=in_channels, cifar_stem=True)


__all__ = [
    "GoogLeNet",
    "GoogLeNetOutputs",
    "Inception",
    "InceptionAux",
    "BasicConv2d",
    "googlenet",
    "googlenet_cifar",
]
