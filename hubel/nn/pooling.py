"""Pooling layers: shells over ``hubel.functional`` that keep the arguments, as ``torch.nn``.

Pooling has no parameters: it shrinks each feature map by summarising windows (max or mean),
which makes the next layers cheaper and the features tolerant to small shifts.
"""

from __future__ import annotations

from .. import functional as F
from ..functional.pool import pool_window
from ..geometry import pair
from ..tensor import Tensor
from .module import Module


class _Pool2d(Module):
    """Shared by MaxPool2d and AvgPool2d: checks the arguments once, and the input size at each
    call (so a too-small input names this layer and shows the output-size formula)."""

    def __init__(self, kernel_size, stride, padding, dilation, ceil_mode: bool):
        super().__init__()
        owner = type(self).__name__
        self._window = pool_window(kernel_size, stride, padding, dilation, owner)
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode = bool(ceil_mode)

    def _check(self, x) -> None:
        if isinstance(x, Tensor) and x.ndim == 4:
            self._window.output_shape(x.shape[2], x.shape[3], type(self).__name__, self.ceil_mode)


class MaxPool2d(_Pool2d):
    """Max over each F_h x F_w window: (N, C, H, W) → (N, C, H_out, W_out), per axis
    H_out = floor((H + 2P - D·(F - 1) - 1)/S) + 1 (ceil with ``ceil_mode``); stride defaults
    to the kernel size. ``return_indices`` also returns each max's position h·W + w."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ):
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)
        self.dilation, self.return_indices = dilation, return_indices

    def forward(self, x: Tensor):
        self._check(x)
        return F.max_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(_Pool2d):
    """Mean over each F_h x F_w window (padding counted unless ``count_include_pad=False``;
    ``divisor_override`` replaces the divisor)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ):
        super().__init__(kernel_size, stride, padding, 1, ceil_mode)
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return F.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average into a fixed output size whatever the input size; ``output_size=1`` is global
    average pooling, the classifier head of GoogLeNet, ResNet and MobileNet."""

    def __init__(self, output_size):
        super().__init__()
        if not (isinstance(output_size, tuple | list) and None in output_size):
            pair(output_size, "output_size", type(self).__name__)
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    """Max into a fixed output size whatever the input size."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)
