"""AlexNet: Krizhevsky, Sutskever and Hinton, "ImageNet classification with deep convolutional
neural networks" (NeurIPS 2012).

The network that proved deep learning works: 5 convolutions and 3 fully connected layers, trained
on two GPUs, made practical by ReLU (faster to train than tanh), dropout in the big fully
connected layers, and heavy data augmentation. Two versions:

``alexnet`` (torchvision's, 61,100,840 parameters): a single stream of 64-192-384-256-256
filters, from Krizhevsky's "One weird trick" (2014), with adaptive average pooling to 6x6 so any
input of at least 63x63 works. Its ``state_dict`` keys are torchvision's.

``alexnet_original`` (the 2012 paper's, 60,965,224 parameters): 96-256-384-384-256 filters on a
227x227 input (the paper says 224, but (224 - 11)/4 + 1 is not a whole number; 227 gives the
55x55 it reports), two-group convolutions where the paper's two GPUs did not talk (conv2, conv4,
conv5 each see only their own half of the channels: ``groups=2`` halves their weights), and local
response normalisation after conv1 and conv2.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..tensor import Tensor
from .common import check_positive_int, check_probability
from .registry import register_model


class AlexNet(nn.Module):
    """torchvision's AlexNet: (N, 3, H, W) → (N, num_classes), H, W >= 63 (224 as trained).

    features: conv11x11/4 64 → pool → conv5x5 192 → pool → conv3x3 384 → 256 → 256 → pool;
    avgpool: adaptive to 6x6; classifier: dropout → 9216→4096 → dropout → 4096→4096 → classes.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        num_classes = check_positive_int("AlexNet", "num_classes", num_classes)
        dropout = check_probability("AlexNet", "dropout", dropout)
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(F.flatten(x, 1))


class AlexNetOriginal(nn.Module):
    """The 2012 paper's AlexNet: (N, 3, 227, 227) → (N, num_classes).

        conv1  96@11x11 stride 4          → 55x55x96   ReLU, LRN, max pool 3/2 → 27x27x96
        conv2  256@5x5 pad 2, 2 groups    → 27x27x256  ReLU, LRN, max pool 3/2 → 13x13x256
        conv3  384@3x3 pad 1              → 13x13x384  ReLU (sees both halves)
        conv4  384@3x3 pad 1, 2 groups    → 13x13x384  ReLU
        conv5  256@3x3 pad 1, 2 groups    → 13x13x256  ReLU, max pool 3/2 → 6x6x256
        fc6 9216→4096 ReLU dropout, fc7 4096→4096 ReLU dropout, fc8 4096→num_classes

    Overlapping pooling (3x3 windows, stride 2) as in the paper. Initialised as the paper says:
    weights N(0, 0.01²), biases 1 in conv2, conv4, conv5 and the hidden fully connected layers
    (to give ReLUs positive inputs early), 0 elsewhere.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        num_classes = check_positive_int("AlexNetOriginal", "num_classes", num_classes)
        dropout = check_probability("AlexNetOriginal", "dropout", dropout)
        # NOTE: the paper writes b = a / (k + α Σ a²)^β with α = 1e-4 over n = 5 channels;
        # PyTorch's LocalResponseNorm divides α by n, so the paper's α is passed as 5 · 1e-4.
        lrn = dict(size=5, alpha=5e-4, beta=0.75, k=2.0)
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=11, stride=4),
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(**lrn),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
            nn.ReLU(inplace=True),
            nn.LocalResponseNorm(**lrn),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        weighted = [m for m in self.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
        for index, layer in enumerate(weighted):  # conv1..conv5, fc6, fc7, fc8
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.constant_(layer.bias, 1.0 if index in (1, 3, 4, 5, 6) else 0.0)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (3, 227, 227):
            raise ValueError(
                f"AlexNetOriginal: expected input of shape (N, 3, 227, 227), got {x.shape}"
            )
        return self.classifier(F.flatten(self.features(x), 1))


@register_model(
    "alexnet",
    family="AlexNet",
    input_size=(3, 224, 224),
    year=2012,
    idea="deep CNN on GPUs: ReLU, dropout, data augmentation (torchvision's single stream)",
)
def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """torchvision's AlexNet, 61,100,840 parameters; see :class:`AlexNet`."""
    return AlexNet(num_classes, dropout)


@register_model(
    "alexnet_original",
    family="AlexNet",
    input_size=(3, 227, 227),
    year=2012,
    idea="the 2012 paper's two-GPU AlexNet: grouped convolutions, local response norm",
)
def alexnet_original(num_classes: int = 1000, dropout: float = 0.5) -> AlexNetOriginal:
    """The 2012 paper's AlexNet, 60,965,224 parameters; see :class:`AlexNetOriginal`."""
    return AlexNetOriginal(num_classes, dropout)


__all__ = ["AlexNet", "AlexNetOriginal", "alexnet", "alexnet_original"]
