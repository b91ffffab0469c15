"""More activation layers, as ``torch.nn``: each a shell over its function in
``hubel.functional.activation``. (ReLU, Sigmoid, Tanh, LeakyReLU, GELU are in ``layers.py``.)"""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class _Elementwise(Module):
    """An activation without settings: ``forward`` is ``fn(x)``. Shape: any, unchanged."""

    fn = None

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return type(self).fn(x)


class ReLU6(_Elementwise):
    """min(max(0, x), 6) (MobileNet v1/v2)."""

    fn = staticmethod(F.relu6)


class SiLU(_Elementwise):
    """x σ(x) (swish)."""

    fn = staticmethod(F.silu)


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6."""

    fn = staticmethod(F.hardsigmoid)


class Hardswish(_Elementwise):
    """x relu6(x + 3) / 6 (MobileNetV3)."""

    fn = staticmethod(F.hardswish)


class Mish(_Elementwise):
    """x tanh(softplus(x))."""

    fn = staticmethod(F.mish)


class SELU(_Elementwise):
    """scale · elu(x, alpha), the self-normalising constants."""

    fn = staticmethod(F.selu)


class Softsign(_Elementwise):
    """x / (1 + |x|)."""

    fn = staticmethod(F.softsign)


class LogSigmoid(_Elementwise):
    """log σ(x), stable."""

    fn = staticmethod(F.logsigmoid)

    def __init__(self):
        super().__init__()


class CELU(Module):
    """max(0, x) + min(0, alpha (e**(x/alpha) - 1)). Shape: any, unchanged."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]. Shape: any, unchanged."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ELU(Module):
    """x for x > 0, alpha (e**x - 1) otherwise. Shape: any, unchanged."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e**(beta x)) / beta, linear where beta x > threshold. Shape: any, unchanged."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
