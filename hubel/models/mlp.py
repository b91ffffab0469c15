"""The homework's model: a fully connected classifier (multi-layer perceptron)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn
from ..nn import init
from .registry import register_model

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
}
INITS = ("default", "zeros", "xavier", "kaiming", "small", "large")


def init_linear(layer: nn.Linear, scheme: str, activation: str) -> None:
    """Initialise one Linear layer's weight by a named scheme; biases start at zero except for
    the PyTorch default.

    ``default``: PyTorch's (U(±1/sqrt(n_in))). ``zeros``: all zero, the symmetry trap.
    ``xavier``: U(±sqrt(6/(n_in+n_out))) times the activation's gain. ``kaiming``: N(0, 2/n_in)
    for ReLU. ``small``/``large``: N(0, 0.01²)/N(0, 1), the naive choices that vanish/explode.
    """
    if scheme == "default":
        layer.reset_parameters()
        return
    gain_name = activation if activation in ("relu", "tanh", "sigmoid", "leaky_relu") else "linear"
    if scheme == "zeros":
        init.zeros_(layer.weight)
    elif scheme == "xavier":
        init.xavier_uniform_(layer.weight, gain=init.calculate_gain(gain_name))
    elif scheme == "kaiming":
        nonlinearity = "relu" if gain_name in ("relu", "linear") else gain_name
        init.kaiming_normal_(layer.weight, nonlinearity=nonlinearity)
    elif scheme == "small":
        init.normal_(layer.weight, 0.0, 0.01)
    elif scheme == "large":
        init.normal_(layer.weight, 0.0, 1.0)
    else:
        raise ValueError(f"init: expected one of {INITS}, got {scheme!r}")
    if layer.bias is not None:
        init.zeros_(layer.bias)


class MLP(nn.Sequential):
    """Fully connected classifier: [Flatten] → (Linear → [BatchNorm1d] → activation →
    [Dropout]) × len(hidden) → Linear(num_classes).

    The output is raw scores (logits) for ``CrossEntropyLoss``, which applies the softmax.
    Parameters: Σ (n_in·n_out + n_out) over the Linear layers, e.g. the homework's
    3072-1024-512-10 has 3,676,682: flattening a 32x32x3 image makes the first layer huge.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (256, 128),
        num_classes: int = 10,
        activation: str = "relu",
        dropout: float = 0.0,
        batchnorm: bool = False,
        init: str = "default",
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"MLP: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        if init not in INITS:
            raise ValueError(f"MLP: init must be one of {INITS}, got {init!r}")
        hidden = tuple(hidden)
        if any(not isinstance(h, int) or h <= 0 for h in hidden):
            raise ValueError(f"MLP: hidden sizes must be positive ints, got {hidden}")
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        linears = []
        for size in hidden:
            linears.append(nn.Linear(width, size))
            layers.append(linears[-1])
            if batchnorm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        linears.append(nn.Linear(width, num_classes))
        layers.append(linears[-1])
        super().__init__(*layers)
        self.in_features, self.hidden, self.num_classes = in_features, hidden, num_classes
        for layer in linears:
            init_linear(layer, init, activation)


@register_model(
    "mlp",
    family="MLP",
    input_size=(3, 32, 32),
    year=1986,
    idea="fully connected layers on the flattened image (the homework)",
)
def mlp(
    in_features: int = 3 * 32 * 32,
    hidden: Sequence[int] = (1024, 512),
    num_classes: int = 10,
    **kwargs,
) -> MLP:
    """The homework's MLP on CIFAR-10: 3072 → 1024 → 512 → 10 with ReLU by default."""
    return MLP(in_features, hidden, num_classes, **kwargs)


def parameter_count(sizes: Sequence[int]) -> int:
    """Parameters of a chain of Linear layers with biases: Σ (n_in + 1)·n_out."""
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


__all__ = ["MLP", "mlp", "init_linear", "parameter_count"]
