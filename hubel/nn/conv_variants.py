"""``nn.Conv1d`` and ``nn.ConvTranspose2d``: shells over ``functional.conv_variants``, with
PyTorch's parameters, defaults, initialisation and ``state_dict`` keys."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


def _tuple(value, n: int) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * n


class _ConvBase(Module):
    """Shared set-up: channel/group checks and PyTorch's default init (kaiming_uniform_ with
    a = sqrt(5), bias ~ U(±1/sqrt(fan_in)))."""

    def _parameters_for(self, weight_shape, out_channels: int, bias: bool) -> None:
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty(weight_shape, dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        init.default_layer_init_(self.weight, self.bias)

    def _describe(self, **defaults) -> str:
        """PyTorch's repr: channels, kernel and stride, then each setting that is not its
        default, then groups and bias when they differ from 1 and True."""
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        for name, default in defaults.items():
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")

    @staticmethod
    def _check_groups(owner, in_channels, out_channels, groups) -> None:
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if groups < 1 or channels % groups:
                raise ValueError(f"{owner}: groups={groups} must divide {name}={channels}")


class Conv1d(_ConvBase):
    """1-D convolution: (N, C_in, L) → (N, C_out, L_out),
    L_out = floor((L + 2P - D·(K - 1) - 1)/S) + 1.

    Parameters: weight (C_out, C_in/groups, K) and bias (C_out,).
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
    ):
        super().__init__()
        self._check_groups("Conv1d", in_channels, out_channels, groups)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, 1), _tuple(stride, 1)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, 1)
        self.dilation = _tuple(dilation, 1)
        self._parameters_for(
            (out_channels, in_channels // groups, *self.kernel_size), out_channels, bias
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        return self._describe(padding=(0,), dilation=(1,))


class ConvTranspose2d(_ConvBase):
    """Transposed 2-D convolution (learned upsampling): (N, C_in, H, W) → (N, C_out, H_out,
    W_out), H_out = (H - 1)·S - 2P + D·(F - 1) + output_padding + 1.

    Parameters: weight (C_in, C_out/groups, F_h, F_w) (in and out swapped, as PyTorch) and
    bias (C_out,).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
    ):
        super().__init__()
        self._check_groups("ConvTranspose2d", in_channels, out_channels, groups)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, 2), _tuple(stride, 2)
        self.padding, self.output_padding = _tuple(padding, 2), _tuple(output_padding, 2)
        self.dilation = _tuple(dilation, 2)
        self._parameters_for(
            (in_channels, out_channels // groups, *self.kernel_size), out_channels, bias
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def extra_repr(self) -> str:
        return self._describe(padding=(0, 0), output_padding=(0, 0), dilation=(1, 1))
