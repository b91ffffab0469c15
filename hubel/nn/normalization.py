"""Per-sample normalisation layers, as ``torch.nn``: LayerNorm and GroupNorm."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype
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
