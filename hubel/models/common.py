"""What the zoo's architectures share: argument checks and torchvision's weight initialisation."""

from __future__ import annotations

import numbers

from .. import nn
from ..geometry import positive_int

# ``value`` as an int >= 1, or a ``ValueError`` naming the builder, the argument and the value.
check_positive_int = positive_int


def check_positive(owner: str, name: str, value) -> float:
    """``value`` as a float > 0, or a ``ValueError`` naming the builder, argument and value."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{owner}: {name} must be a number > 0, got {value!r}")
    return float(value)


def check_probability(owner: str, name: str, value) -> float:
    """``value`` as a float in [0, 1) (a dropout probability)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value < 1:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")
    return float(value)


def check_choice(owner: str, name: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{owner}: {name} must be one of {choices}, got {value!r}")


def conv_bn_act(
    in_channels: int,
    out_channels: int,
    kernel_size: int = 3,
    stride: int = 1,
    groups: int = 1,
    activation: type[nn.Module] = nn.ReLU,
) -> nn.Sequential:
    """conv (no bias, "same" padding) → BatchNorm2d → activation, keys ``0``, ``1``, ``2``:
    torchvision's ``Conv2dNormActivation``."""
    conv = nn.Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=(kernel_size - 1) // 2,
        groups=groups,
        bias=False,
    )
    return nn.Sequential(conv, nn.BatchNorm2d(out_channels), activation(inplace=True))


def init_cnn(model: nn.Module, linear_std: float | None = None) -> nn.Module:
    """torchvision's initialisation of a ReLU CNN (ResNet, VGG, MobileNetV2).

    Convolutions: He (Kaiming) normal with fan_out = C_out·F·F, N(0, 2/fan_out), biases 0;
    batch norm: γ = 1, β = 0; linear layers: N(0, linear_std²) with biases 0, or PyTorch's
    default when ``linear_std`` is None.
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Linear) and linear_std is not None:
            nn.init.normal_(module.weight, 0.0, linear_std)
            nn.init.zeros_(module.bias)
    return model
