"""Layers for (N, C, H, W) feature maps: Conv2d, ZeroPad2d and AlexNet's LocalResponseNorm."""

from __future__ import annotations

import numbers

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype
from ..functional.conv import conv_window
from ..geometry import positive_int
from ..tensor import Tensor
from . import init
from .module import Module, Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class Conv2d(Module):
    """2-D convolution: (N, C_in, H, W) → (N, C_out, H_out, W_out), per axis
    H_out = floor((H + 2P - D·(F - 1) - 1)/S) + 1 (the course's (W - F + 2P)/S + 1 when D = 1).

    Parameters: weight (C_out, C_in/groups, F_h, F_w) and bias (C_out,), so
    (F_h·F_w·C_in/groups + 1)·C_out in all. Default init as PyTorch: kaiming_uniform_ with
    a = sqrt(5), i.e. W ~ U(±1/sqrt(fan_in)), and b ~ U(±1/sqrt(fan_in)), with
    fan_in = C_in/groups·F_h·F_w.
    ``padding`` may be an int, a pair, ``"valid"`` or ``"same"``; ``padding_mode`` fills the
    border with zeros or with the image's own edge (reflect, replicate, circular).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype=None,
    ):
        super().__init__()
        owner = "Conv2d"
        self.in_channels = positive_int(owner, "in_channels", in_channels)
        self.out_channels = positive_int(owner, "out_channels", out_channels)
        self.groups = positive_int(owner, "groups", groups)
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{owner}: groups={groups} must divide {name}={channels}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{owner}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}"
            )
        self._window = conv_window(kernel_size, stride, padding, dilation, owner)
        self.kernel_size, self.stride = self._window.kernel, self._window.stride
        self.dilation, self.padding_mode = self._window.dilation, padding_mode
        top, _, left, _ = self._window.padding
        self.padding = padding if isinstance(padding, str) else (top, left)
        dtype = dtype or get_default_dtype()
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{self._name()}: expected input of shape (N, {self.in_channels}, H, W), got "
                f"{x.shape}"
            )
        self._window.output_shape(x.shape[2], x.shape[3], "Conv2d")
        padding = self.padding
        if self.padding_mode != "zeros":  # pad with the image's edge, then convolve unpadded
            top, bottom, left, right = self._window.padding
            x = F.pad(x, (left, right, top, bottom), mode=self.padding_mode)
            padding = 0
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def _name(self) -> str:
        return f"Conv2d(in_channels={self.in_channels}, ...)"

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class ZeroPad2d(Module):
    """Pad (N, C, H, W) with zeros: ``padding`` = p (all sides) or (left, right, top, bottom)."""

    def __init__(self, padding):
        super().__init__()
        if isinstance(padding, numbers.Integral):
            padding = (padding,) * 4
        self.padding = tuple(padding)

    def forward(self, x: Tensor) -> Tensor:
        return F.pad(x, self.padding)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class LocalResponseNorm(Module):
    """AlexNet's normalisation across channels: y_c = x_c / (k + α/n Σ_{n neighbours} x²)^β."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = positive_int("LocalResponseNorm", "size", size)
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
