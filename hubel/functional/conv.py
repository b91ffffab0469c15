"""2-D convolution (PyTorch's cross-correlation), as im2col + one matrix product.

For output pixel (y, x) and output channel o:

    out[n, o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x_pad[n, c, y·S_h + i·D_h, x·S_w + j·D_w]

**im2col** ("image to columns") turns the sliding into one matrix product: every output pixel
gets a row holding the C·F_h·F_w input values under its window, so with ``cols`` (N·H_out·W_out,
C·F_h·F_w) and the filters as rows ``Wm`` (C_out, C·F_h·F_w), ``out = cols Wmᵀ + b``. Backward
is two more products: dL/dWm = Gᵀ cols and dL/dcols = G Wm, which **col2im**, the adjoint of
im2col, adds back onto the image (a cell read by several windows gets the sum of their
gradients). Grouped convolution does this per group of C/groups channels.

This is the reference: ``HUBEL_KERNELS=reference`` runs exactly this code. The fast kernel
(``kernels/conv.py``: channels-last pieces over threads, per-tap BLAS products) gives the same
numbers and is tested equal to it.
"""

from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module
from ..errors import DtypeError, ShapeError
from ..geometry import Window, pair, positive_int, same_padding
from ..tensor import Tensor


def im2col(x_padded, window: Window, out_hw: tuple[int, int]):
    """(N, C, H_pad, W_pad) → (N·H_out·W_out, C·F_h·F_w): row (n, y, x) holds the cells of
    window (y, x), ordered (c, i, j) like a filter's weights. One strided copy per tap."""
    xp = get_array_module(x_padded)
    n, c = x_padded.shape[:2]
    (kh, kw), (ho, wo) = window.kernel, out_hw
    cols = xp.empty((n, ho, wo, c, kh, kw), dtype=x_padded.dtype)
    for _, i, j in window.taps():
        rows, columns = window.tap(i, j, out_hw)
        cols[..., i, j] = x_padded[:, :, rows, columns].transpose(0, 2, 3, 1)
    return cols.reshape(n * ho * wo, c * kh * kw)


def col2im(cols, padded_shape, window: Window, out_hw: tuple[int, int]):
    """The adjoint of ``im2col``: (N·H_out·W_out, C·F_h·F_w) → (N, C, H_pad, W_pad), each
    window's values added back onto the cells it read."""
    xp = get_array_module(cols)
    n, c = padded_shape[:2]
    (kh, kw), (ho, wo) = window.kernel, out_hw
    cols = cols.reshape(n, ho, wo, c, kh, kw)
    image = xp.zeros(padded_shape, dtype=cols.dtype)
    for _, i, j in window.taps():
        rows, columns = window.tap(i, j, out_hw)
        image[:, :, rows, columns] += cols[..., i, j].transpose(0, 3, 1, 2)
    return image


def pad(x, padding, value: float = 0.0):
    """(N, C, H, W) with (top, bottom, left, right) cells of ``value`` around each plane."""
    top, bottom, left, right = padding
    widths = ((0, 0), (0, 0), (top, bottom), (left, right))
    return get_array_module(x).pad(x, widths, constant_values=value)


def unpad(grad_padded, padding, shape):
    """The adjoint of ``pad``: the gradient of the (N, C, H, W) input of ``shape``."""
    top, left = padding[0], padding[2]
    return grad_padded[:, :, top : top + shape[2], left : left + shape[3]]


class Conv2d(Function):
    """out = conv(x, W) + b with x (N, C_in, H, W), W (C_out, C_in/groups, F_h, F_w), b (C_out,).

    Per group (C/g input and C_out/g output channels), with G = dL/dout as (N·H_out·W_out, C_out/g):
      out = cols Wmᵀ + b,   dL/db = Σ G,   dL/dWm = Gᵀ cols,   dL/dx = col2im(G Wm).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, window: Window, groups: int = 1):
        out = kernels.forward(ctx, "conv2d", x, weight, bias, window, groups)
        if out is not None:
            return out
        n, out_c = x.shape[0], weight.shape[0]
        out_hw = window.output_shape(x.shape[2], x.shape[3], "conv2d")
        padded = pad(x, window.padding)
        # Group g's columns are its C/g channels' cells: a (g, M, C/g·F_h·F_w) stack of matrices.
        cols = im2col(padded, window, out_hw)
        cols = cols.reshape(cols.shape[0], groups, -1).transpose(1, 0, 2)
        w_rows = weight.reshape(groups, out_c // groups, -1)  # (g, C_out/g, C/g·F_h·F_w)
        out = (cols @ w_rows.transpose(0, 2, 1)).transpose(1, 0, 2).reshape(n, *out_hw, out_c)
        if bias is not None:
            out = out + bias
        ctx.save_for_backward(cols, w_rows)
        ctx.window, ctx.out_hw, ctx.x_shape, ctx.padded_shape = (
            window,
            out_hw,
            x.shape,
            padded.shape,
        )
        ctx.weight_shape = weight.shape
        return out.transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        if ctx.kernel is not None:
            return ctx.kernel.backward(ctx, grad)
        cols, w_rows = ctx.saved_tensors
        groups, out_group = w_rows.shape[:2]
        # G as (g, M, C_out/g): row (n, y, x), the output channels of each group.
        g = grad.transpose(0, 2, 3, 1).reshape(-1, groups, out_group).transpose(1, 0, 2)
        grad_w = (g.transpose(0, 2, 1) @ cols).reshape(ctx.weight_shape)
        grad_cols = (g @ w_rows).transpose(1, 0, 2).reshape(g.shape[1], -1)
        grad_padded = col2im(grad_cols, ctx.padded_shape, ctx.window, ctx.out_hw)
        grad_x = unpad(grad_padded, ctx.window.padding, ctx.x_shape)
        grad_b = grad.sum(axis=(0, 2, 3)) if len(ctx.needs_input_grad) > 2 else None
        return grad_x, grad_w, grad_b

    @staticmethod
    def cost(inputs, output, options) -> tuple[int, int]:
        """(MACs, other ops) for ``hb.summary``: F_h·F_w·C_in/groups per output value, and
        one bias add per output value."""
        per_group, kernel_h, kernel_w = inputs[1].shape[1:]
        return output.numel() * per_group * kernel_h * kernel_w, output.numel() * (len(inputs) > 2)


# ------------------------------------------------------------------------ public function
def conv_window(kernel_size, stride, padding, dilation, owner: str) -> Window:
    """Check and normalise conv arguments into a ``Window``.

    ``padding`` is an int, a pair (h, w), ``"valid"`` (none) or ``"same"`` (output size = input
    size; total padding D·(F - 1) per axis, the odd extra cell on the bottom/right as PyTorch).
    """
    kernel = pair(kernel_size, "kernel_size", owner)
    stride = pair(stride, "stride", owner)
    dilation = pair(dilation, "dilation", owner)
    if padding == "valid":
        return Window(kernel, stride, (0, 0, 0, 0), dilation)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{owner}: padding='same' needs stride=1, got stride={stride}")
        pads = tuple(p for f, d in zip(kernel, dilation) for p in same_padding(f, d))
        return Window(kernel, stride, pads, dilation)
    if isinstance(padding, str):
        raise ValueError(
            f"{owner}: padding must be 'same', 'valid', an int or a pair, got {padding!r}"
        )
    ph, pw = pair(padding, "padding", owner, minimum=0)
    return Window(kernel, stride, (ph, ph, pw, pw), dilation)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution of input (N, C_in, H, W) with weight (C_out, C_in/groups, F_h, F_w)
    and optional bias (C_out,) → (N, C_out, H_out, W_out), where per axis
    H_out = floor((H + 2P - D·(F - 1) - 1)/S) + 1.

    ``groups`` splits the channels into independent convolutions; ``groups = C_in`` is the
    depthwise convolution of MobileNet.
    """
    owner = "conv2d"
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{owner}: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 4:
        raise ValueError(
            f"{owner}: expected weight of shape (C_out, C_in/groups, F_h, F_w), got {weight.shape}"
        )
    out_c, c_group = weight.shape[:2]
    groups = positive_int(owner, "groups", groups)
    if out_c % groups:
        raise ValueError(f"{owner}: groups={groups} must divide out_channels={out_c}")
    # Shapes and dtypes that do not fit raise RuntimeError as in torch (also ValueError and
    # TypeError, hubel's earlier classes: see errors.py).
    if input.ndim != 4 or input.shape[1] != c_group * groups:
        raise ShapeError(
            f"{owner}: expected input of shape (N, {c_group * groups}, H, W) for weight "
            f"{weight.shape} and groups={groups}, got {input.shape}"
            + (" (add a batch axis: x.unsqueeze(0))" if input.ndim == 3 else "")
        )
    if input.dtype != weight.dtype:
        raise DtypeError(
            f"{owner}: input dtype {input.dtype} does not match weight dtype {weight.dtype}; "
            f"convert one (e.g. x.float() or model.double())"
        )
    if bias is not None and bias.shape != (out_c,):
        raise ShapeError(f"{owner}: expected bias of shape ({out_c},), got {bias.shape}")
    if bias is not None and bias.dtype != input.dtype:
        raise DtypeError(
            f"{owner}: bias dtype {bias.dtype} does not match input dtype {input.dtype}; "
            f"convert one (e.g. bias.float())"
        )
    window = conv_window(weight.shape[2:], stride, padding, dilation, owner)
    window.output_shape(input.shape[2], input.shape[3], owner)
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*inputs, window=window, groups=groups)
