"""Weight initialisation, with PyTorch's formulas and names (``torch.nn.init``).

Why it matters (the course's Phase 3): all-zero weights make every neuron of a layer compute the
same thing and receive the same gradient, forever; weights too small make activations and
gradients vanish layer after layer, too large make them explode. Xavier keeps the variance of
activations constant for tanh/sigmoid; Kaiming (He) compensates for ReLU zeroing half of them.

Every function fills ``tensor`` in place (without recording a gradient) and returns it, drawing
from the global generator that ``hb.manual_seed`` sets.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import get_array_module, get_rng
from ..tensor import Tensor

_GAINS = {
    "linear": 1.0,
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4,
}
_CONV = {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the activations' scale through ``nonlinearity``:
    1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + a**2)) for leaky ReLU."""
    if nonlinearity in _GAINS:
        return _GAINS[nonlinearity]
    if nonlinearity in _CONV:
        return 1.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if not isinstance(slope, int | float) or isinstance(slope, bool):
            raise ValueError(f"calculate_gain: negative_slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of "
        f"{sorted(_GAINS) + ['leaky_relu'] + sorted(_CONV)}"
    )


def _check(tensor, name):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(tensor).__name__}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = inputs per output unit, fan_out = outputs per input unit.

    Linear weight (out, in): fan_in = in, fan_out = out. Conv weight (out, in/groups, kh, kw):
    each is multiplied by the receptive field kh*kw.
    """
    if tensor.ndim < 2:
        raise ValueError(
            f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}"
        )
    receptive_field = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fill(tensor: Tensor, draw, scale: float, shift: float) -> Tensor:
    """tensor = draw(...) * scale + shift, drawn in the tensor's own precision.

    ``draw`` is a Generator method (``random`` or ``standard_normal``). On the CPU the samples go
    straight into the tensor's memory: float64 draws for a float32 VGG layer of 100M weights
    would cost seconds and twice the memory, for digits that the cast throws away.
    """
    data = tensor.data
    direct = isinstance(data, np.ndarray) and data.flags.c_contiguous and data.dtype.kind == "f"
    dtype = data.dtype if direct and data.dtype in (np.float32, np.float64) else np.float64
    if direct and dtype == data.dtype:
        draw(dtype=dtype, out=data)
        values = data
    else:
        values = draw(tensor.shape, dtype=dtype)
    values *= scale
    values += shift
    if values is not data:
        data[...] = get_array_module(data).asarray(values.astype(tensor.dtype, copy=False))
    return tensor


def _uniform(tensor: Tensor, low: float, high: float) -> Tensor:
    """Fill with samples of U(low, high)."""
    return _fill(tensor, get_rng().random, high - low, low)


def _normal(tensor: Tensor, mean: float, std: float) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    return _fill(tensor, get_rng().standard_normal, std, mean)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0. (For weights this is the symmetry trap: see the lab's zero-init.)"""
    _check(tensor, "zeros_")
    tensor.data[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    _check(tensor, "ones_")
    tensor.data[...] = 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    _check(tensor, "constant_")
    tensor.data[...] = val
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U(a, b)."""
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _uniform(tensor, a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std**2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _normal(tensor, mean, std)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _normal(tensor, 0.0, std)


def _kaiming_std(tensor, a, mode, nonlinearity, name):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{name}: cannot initialise a tensor with zero elements {tensor.shape}")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan); for ReLU, gain = sqrt(2)."""
    _check(tensor, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return _uniform(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: N(0, gain**2 / fan); for ReLU with fan_in that is N(0, 2 / n_in), the
    course's formula."""
    _check(tensor, "kaiming_normal_")
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return _normal(tensor, 0.0, std)


def default_layer_init_(weight: Tensor, bias: Tensor | None = None) -> None:
    """PyTorch's default for ``Linear`` and ``Conv2d``: W ~ kaiming_uniform_(a=sqrt(5)), which
    is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
