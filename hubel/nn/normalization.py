"""Per-sample normalisation layers, as ``torch.nn``: LayerNorm and GroupNorm."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype
from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module, Parameter


class LayerNorm(Module):
    """Standardise the last axes of each sample, then scale and shift elementwise.

    y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias, over ``normalized_shape``.
    Shape: input (*, *normalized_shape) → output of the same shape. Parameters ``weight`` (ones)
    and ``bias`` (zeros) of ``normalized_shape`` when ``elementwise_affine``.
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.has_bias = elementwise_affine and bias
        dtype = get_default_dtype()
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
        else:
            self.register_parameter("weight", None)
        if self.has_bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, "
            f"bias={self.has_bias}"
        )


class GroupNorm(Module):
    """Split the channels into groups and standardise each group of each sample, then scale
    and shift per channel. Shape: (N, C, *) → the same; ``weight``/``bias`` of shape (C,)."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        bias: bool = True,
    ):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups, self.num_channels, self.eps, self.affine = (
            num_groups,
            num_channels,
            eps,
            affine,
        )
        self.has_bias = affine and bias
        dtype = get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype))
        else:
            self.register_parameter("weight", None)
        if self.has_bias:
            self.bias = Parameter(np.zeros(num_channels, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.has_bias}"
        )


class _InstanceNorm(Module):
    """Per-sample, per-channel standardisation over the positions (style transfer, GANs);
    ``weight``/``bias`` of shape (C,) when ``affine``. Running statistics
    (``track_running_stats=True``) are not kept: every call uses the input's own statistics."""

    dims = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        bias: bool = True,
    ):
        super().__init__()
        name = type(self).__name__
        if track_running_stats:
            raise ValueError(
                f"{name}: track_running_stats=True is not supported; each call normalises with "
                f"its own statistics (track_running_stats=False, PyTorch's default)"
            )
        self.num_features, self.eps, self.momentum, self.affine = (
            num_features,
            eps,
            momentum,
            affine,
        )
        self.track_running_stats = False
        self.has_bias = affine and bias
        dtype = get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype))
        else:
            self.register_parameter("weight", None)
        if self.has_bias:
            self.bias = Parameter(np.zeros(num_features, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        want = 2 + self.dims
        if not isinstance(x, Tensor) or x.ndim != want or x.shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}({self.num_features}): expected input of shape (N, "
                f"{self.num_features}{', L' if self.dims == 1 else ', H, W'}), got "
                f"{getattr(x, 'shape', type(x).__name__)}"
            )
        return F.instance_norm(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.has_bias}, "
            f"track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) input."""

    dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) input."""

    dims = 2
