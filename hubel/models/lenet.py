"""LeNet-5: LeCun, Bottou, Bengio and Haffner, "Gradient-based learning applied to document
recognition" (Proc. IEEE, 1998).

The pioneer of the course's Phase 4: instead of flattening the image into one huge vector, slide
small shared 5x5 filters over it, subsample, and repeat; only the last layers are fully
connected. On a 32x32x1 digit:

    layer   operation              output      parameters
    C1      conv 6@5x5             28x28x6     (5·5·1 + 1)·6    =    156
    S2      2x2 average pool       14x14x6     0
    C3      conv 16@5x5            10x10x16    (5·5·6 + 1)·16   =  2,416
    S4      2x2 average pool       5x5x16      0
    C5      conv 120@5x5           1x1x120     (5·5·16 + 1)·120 = 48,120
    F6      fully connected 84     84          (120 + 1)·84     = 10,164
    output  fully connected 10     10          (84 + 1)·10      =    850
                                                          total   61,706

Simplifications of the paper, as everyone makes them: C3 sees all 6 maps (the paper wires each
C3 map to a subset, 1,516 weights), S2/S4 are plain averages (the paper's had a learned scale and
bias per map), tanh is the plain one (the paper used 1.7159·tanh(2x/3)), and the output is a
linear layer for the softmax cross-entropy instead of the paper's Euclidean RBF units.
"""

from __future__ import annotations

from collections import OrderedDict

from .. import nn
from ..tensor import Tensor
from .common import check_choice, check_positive_int
from .registry import register_model

VARIANTS = ("classic", "modern")


class LeNet5(nn.Sequential):
    """LeNet-5 on (N, C, 32, 32) → (N, num_classes) logits; layers named as in the paper
    (``c1``, ``s2``, ``c3``, ``s4``, ``c5``, ``f6``, ``output``).

    ``variant="classic"``: tanh and average pooling, as in 1998. ``variant="modern"``: ReLU and
    max pooling, the two changes that later networks (AlexNet onwards) made; same shapes and
    parameter count, and it trains faster.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, variant: str = "classic"):
        check_choice("LeNet5", "variant", variant, VARIANTS)
        num_classes = check_positive_int("LeNet5", "num_classes", num_classes)
        in_channels = check_positive_int("LeNet5", "in_channels", in_channels)
        act = nn.Tanh if variant == "classic" else nn.ReLU
        pool = nn.AvgPool2d if variant == "classic" else nn.MaxPool2d
        layers = OrderedDict(
            c1=nn.Conv2d(in_channels, 6, kernel_size=5),
            act1=act(),
            s2=pool(kernel_size=2, stride=2),
            c3=nn.Conv2d(6, 16, kernel_size=5),
            act3=act(),
            s4=pool(kernel_size=2, stride=2),
            c5=nn.Conv2d(16, 120, kernel_size=5),
            act5=act(),
            flatten=nn.Flatten(),
            f6=nn.Linear(120, 84),
            act6=act(),
            output=nn.Linear(84, num_classes),
        )
        super().__init__(layers)
        self.num_classes, self.in_channels, self.variant = num_classes, in_channels, variant

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.in_channels, 32, 32):
            raise ValueError(
                f"LeNet5(in_channels={self.in_channels}): expected input of shape "
                f"(N, {self.in_channels}, 32, 32), got {x.shape} (pad 28x28 digits by 2)"
            )
        return super().forward(x)


@register_model(
    "lenet5",
    family="LeNet",
    input_size=(1, 32, 32),
    year=1998,
    idea="small shared 5x5 filters + subsampling; tanh, average pooling",
)
def lenet5(num_classes: int = 10, in_channels: int = 1, variant: str = "classic") -> LeNet5:
    """LeNet-5 as in LeCun et al. 1998 (tanh, average pooling) on 32x32x1; 61,706 parameters."""
    return LeNet5(num_classes, in_channels, variant)


@register_model(
    "lenet5_modern",
    family="LeNet",
    input_size=(1, 32, 32),
    year=1998,
    idea="LeNet-5 with ReLU and max pooling (the modern variant)",
)
def lenet5_modern(num_classes: int = 10, in_channels: int = 1) -> LeNet5:
    """LeNet-5's shapes with ReLU and max pooling instead of tanh and averages."""
    return LeNet5(num_classes, in_channels, "modern")


@register_model(
    "lenet5_cifar",
    family="LeNet",
    input_size=(3, 32, 32),
    year=1998,
    idea="LeNet-5 on 32x32 colour images (CIFAR-10)",
)
def lenet5_cifar(num_classes: int = 10, in_channels: int = 3, variant: str = "modern") -> LeNet5:
    """LeNet-5 for CIFAR-10: 3 input channels (C1 has 456 parameters, 62,006 in all), ReLU and
    max pooling by default."""
    return LeNet5(num_classes, in_channels, variant)


__all__ = ["LeNet5", "lenet5", "lenet5_modern", "lenet5_cifar"]
