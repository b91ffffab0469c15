"""A small CNN for small images: the course's Phase 4 pattern, conv-BN-ReLU blocks with max
pooling, then global average pooling and one linear layer.

On the bundled 8x8 digits with the default widths (32, 64, 128):

    block  operation                                  output    parameters
    1      conv 32@3x3 pad 1, BN, ReLU                8x8x32    (3·3·1 + 1)·32 + 2·32   =    384
    2      conv 64@3x3 pad 1, BN, ReLU, max pool 2    4x4x64    (3·3·32 + 1)·64 + 2·64  = 18,624
    3      conv 128@3x3 pad 1, BN, ReLU, max pool 2   2x2x128   (3·3·64 + 1)·128 + 2·128 = 74,112
    head   global average pool, linear 10             10        (128 + 1)·10           =  1,290
                                                                              total    94,410

"Same" padding keeps the size through each conv (W2 = (W1 - 3 + 2)/1 + 1 = W1); only the
pools halve it. Global average pooling makes the head independent of the image size, so the
same network runs on 8x8 digits and 32x32 CIFAR images.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from .. import nn
from .common import check_positive_int, check_probability
from .registry import register_model


class SmallCNN(nn.Sequential):
    """(N, in_channels, H, W) → (N, num_classes) logits. One block per entry of ``channels``
    (conv 3x3 "same" → BatchNorm2d → ReLU, then a 2x2 max pool in every block but the first),
    global average pooling, optional dropout, linear classifier. Blocks are named ``block1``..,
    the head ``pool``, ``flatten``, [``dropout``], ``fc``."""

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        image_size: int = 8,
        channels: Sequence[int] = (32, 64, 128),
        dropout: float = 0.0,
    ):
        owner = "SmallCNN"
        in_channels = check_positive_int(owner, "in_channels", in_channels)
        num_classes = check_positive_int(owner, "num_classes", num_classes)
        image_size = check_positive_int(owner, "image_size", image_size)
        channels = tuple(check_positive_int(owner, "channels", c) for c in channels)
        if not channels:
            raise ValueError(f"{owner}: channels must name at least one block, got ()")
        pools = len(channels) - 1
        if image_size < 2**pools:
            raise ValueError(
                f"{owner}: {pools} max pools of 2 need images of at least {2**pools}x{2**pools}, "
                f"got image_size={image_size}; use fewer channels entries"
            )
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        width = in_channels
        for i, out in enumerate(channels, 1):
            block = [nn.Conv2d(width, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            if i > 1:
                block.append(nn.MaxPool2d(2))
            layers[f"block{i}"] = nn.Sequential(*block)
            width = out
        layers["pool"] = nn.AdaptiveAvgPool2d(1)
        layers["flatten"] = nn.Flatten()
        if dropout > 0:
            layers["dropout"] = nn.Dropout(check_probability(owner, "dropout", dropout))
        layers["fc"] = nn.Linear(width, num_classes)
        super().__init__(layers)
        self.in_channels, self.num_classes, self.image_size = in_channels, num_classes, image_size
        self.channels = channels


@register_model(
    "cnn",
    family="CNN",
    input_size=(1, 8, 8),
    year=None,
    idea="conv-BN-ReLU blocks with max pooling, global average pooling (digits, 8x8)",
)
def cnn(
    in_channels: int = 1,
    num_classes: int = 10,
    image_size: int = 8,
    channels: Sequence[int] = (32, 64, 128),
    dropout: float = 0.0,
) -> SmallCNN:
    """The small CNN of ``hubel train --model cnn``: 94,410 parameters on 8x8x1 digits."""
    return SmallCNN(in_channels, num_classes, image_size, channels, dropout)


__all__ = ["SmallCNN", "cnn"]
