"""Convolutions built from ``conv2d``: 1-D convolution (a 2-D one of height 1) and the
transposed convolution (the gradient of a convolution with respect to its input, used to
upsample: U-Net, GAN generators). Their gradients come from the ops they are made of."""

from __future__ import annotations

import numbers

from ..errors import ShapeError
from ..tensor import Tensor, zeros
from .conv import conv2d
from .indexing import index_put
from .padding import pad
from .shape import flip


def _single(value, name: str) -> int:
    """An int, or a 1-tuple of one (PyTorch accepts both for 1-D convolutions)."""
    if isinstance(value, tuple | list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, numbers.Integral):
        raise TypeError(f"conv1d: {name} must be an int, got {value!r}")
    return int(value)


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise TypeError(f"conv_transpose2d: {name} must be an int or a pair of ints, got {value!r}")


def conv1d(
    input: Tensor, weight: Tensor, bias=None, stride=1, padding=0, dilation=1, groups: int = 1
) -> Tensor:
    """1-D convolution of (N, C_in, L) with weight (C_out, C_in/groups, K) → (N, C_out, L_out),
    L_out = floor((L + 2P - D·(K - 1) - 1)/S) + 1; as ``torch.nn.functional.conv1d``.

    Computed as conv2d on a height-1 image: (N, C, 1, L) with a (C_out, C_in/groups, 1, K)
    kernel. ``padding`` may also be ``"valid"`` or ``"same"``.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("conv1d: input and weight must be Tensors")
    if input.ndim != 3 or weight.ndim != 3:
        raise ShapeError(
            f"conv1d: expected input (N, C_in, L) and weight (C_out, C_in/groups, K), got "
            f"{input.shape} and {weight.shape}"
        )
    padding = padding if isinstance(padding, str) else (0, _single(padding, "padding"))
    out = conv2d(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, _single(stride, "stride")),
        padding,
        (1, _single(dilation, "dilation")),
        groups,
    )
    return out.squeeze(2)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """Transposed 2-D convolution of (N, C_in, H, W) with weight (C_in, C_out/groups, F_h, F_w)
    → (N, C_out, H_out, W_out), H_out = (H - 1)·S - 2P + D·(F - 1) + output_padding + 1; as
    ``torch.nn.functional.conv_transpose2d``.

    The textbook construction: spread the input S apart (S - 1 zeros between values), pad it
    by D·(F - 1) - P on each side (plus output_padding at the bottom/right), and convolve with
    stride 1 with the kernel flipped and its in/out channels swapped.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("conv_transpose2d: input and weight must be Tensors")
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise ShapeError(
            f"conv_transpose2d: expected input (N, C_in, H, W) and weight (C_in, C_out/groups, "
            f"F_h, F_w) with the same C_in, got {input.shape} and {weight.shape}"
        )
    (sh, sw), (ph, pw) = _pair(stride, "stride"), _pair(padding, "padding")
    (oh, ow), (dh, dw) = _pair(output_padding, "output_padding"), _pair(dilation, "dilation")
    if min(sh, sw, dh, dw) < 1 or min(ph, pw, oh, ow) < 0:
        raise ValueError("conv_transpose2d: stride and dilation must be >= 1, padding >= 0")
    if oh >= max(sh, dh) or ow >= max(sw, dw):
        raise ValueError(
            "conv_transpose2d: output_padding must be smaller than either stride or dilation"
        )
    c_in, c_out_group, fh, fw = weight.shape
    if not isinstance(groups, numbers.Integral) or groups < 1 or c_in % groups:
        raise ShapeError(f"conv_transpose2d: groups={groups} must divide C_in={c_in}")
    n, _, h, w = input.shape
    spread = input
    if (sh, sw) != (1, 1):
        spread = index_put(
            zeros(n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1, dtype=input.dtype),
            (slice(None), slice(None), slice(None, None, sh), slice(None, None, sw)),
            input,
        )
    top, left = dh * (fh - 1) - ph, dw * (fw - 1) - pw
    spread = pad(spread, (left, left + ow, top, top + oh))
    # (C_in, C_out/g, F, F) → (g·C_out/g, C_in/g, F, F): each group's in/out channels swapped
    kernel = weight.reshape(groups, c_in // groups, c_out_group, fh, fw).transpose(1, 2)
    kernel = flip(kernel.reshape(groups * c_out_group, c_in // groups, fh, fw), (2, 3))
    return conv2d(spread, kernel, bias, 1, 0, (dh, dw), groups)
