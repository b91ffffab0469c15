"""conv2d as a direct convolution in compiled loops (``conv_jit.py``, numba): forward and both
gradients, no im2col and no matrix library. ``conv.py`` routes here the layers ``accepts``
takes when the compiled kernels are in force (``jit.py``); the reference is
``functional/conv.py``.

- Forward: the compiled loop over the padded channels-last input, C_out padded with zero
  filters to a multiple of 16 when it is not one (and the extra channels dropped).
- dL/dW: the compiled reduction over output pixels, one partial sum per thread.
- dL/dX: a convolution too, so the same forward loop computes it. In one dimension, output y
  read input cell u = y·S + i·D of the padded input, so dL/dx_pad[u] = Σ_i G_z[u - i·D] W_i,
  where G_z is G with S - 1 zeros between its values. Padding G_z by the kernel's span - 1
  turns that into a correlation with the flipped kernel, dilation D, stride 1:

      dL/dx_pad[u] = Σ_i' G_zp[u + i'·D] W_{F-1-i'}      (G_zp[t] = G_z[t - (F-1)·D])

  with input and output channels swapped (W_iᵀ). Only the cells u of the unpadded input are
  computed: ``_spread`` builds the window of G_zp they read, L + (F-1)·D cells per axis.

Why: ResNet-20's 16-64 channel layers give a matrix product with 16-64 columns and an inner
dimension of 144-576, which BLAS runs at a third of the machine's speed, while im2col moves as
many bytes as the product computes. Loops that keep 8 x 16 partial sums in registers run these
layers at 180-240 GFLOP/s on 2 cores (``benchmarks/conv_layers.py``), PyTorch's speed.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Window
from . import jit, parallel


def lanes(count: int) -> int:
    """Output channels per register block of ``conv_jit.py`` for a layer of ``count`` output
    channels: 32 on a CPU with AVX-512 when ``count`` is a multiple of 32 (1.4x faster than 16
    there: ``benchmarks/conv_layers.py``), else 16 (``count`` padded with zero filters)."""
    return 32 if count % 32 == 0 and jit.wide_vectors() else 16


def accepts(x, weight, window: Window, groups: int) -> bool:
    """True for the convolutions computed here: compiled kernels in force, NumPy float32 input
    and filters, one group, a kernel larger than 1x1 (a 1x1 convolution is one matrix product,
    which BLAS runs at full speed)."""
    if groups != 1 or window.kernel == (1, 1):
        return False
    if type(x).__module__ != "numpy" or type(weight).__module__ != "numpy":
        return False
    if x.dtype != np.float32 or weight.dtype != np.float32:
        return False
    return jit.module("conv_jit") is not None


def pad(x_nhwc, padding):
    """``window.pad_image`` in one compiled pass: (N, H, W, C) of any strides → the padded,
    C-contiguous (N, H + top + bottom, W + left + right, C)."""
    top, bottom, left, right = padding
    n, h, w, c = x_nhwc.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=x_nhwc.dtype)
    compiled = jit.module("conv_jit")
    place = compiled.place if out.nbytes >= jit.MIN_BYTES else compiled.place_serial
    jit.run(place, x_nhwc, out, top, left)
    return out


def _pack(kernels, weight, flipped: bool):
    """``weight`` (C_out, C, F_h, F_w) as the compiled loop reads it, in blocks of ``lanes``
    output channels (``conv_jit.pack_filters``); ``flipped``: the filters of the input
    gradient, whose output channels are the layer's input channels."""
    out_c, c, kh, kw = weight.shape
    count, inner = (c, out_c) if flipped else (out_c, c)
    width = lanes(count)
    packed = np.empty((-(-count // width), kh, kw, inner, width), np.float32)
    jit.run(kernels.pack_filters, np.ascontiguousarray(weight), packed, flipped)
    return packed


def _correlate(kernels, source, packed, out_c, out_hw, stride, dilation):
    """Run the compiled forward loop: ``source`` (N, H, W, C) C-contiguous float32, ``packed``
    filters (``_pack``) → (N, H_out, W_out, C_out) C-contiguous."""
    n, height, width, c = source.shape
    blocks, kh, kw, _, block = packed.shape
    padded_c = blocks * block
    out = np.empty((n, *out_hw, padded_c), dtype=np.float32)
    # Filter blocks outer when the filters outweigh the input (ResNet-18's last stage at
    # batch 1: 9.4 MB of filters, 0.1 MB of input), else pixel blocks outer.
    by_filters = packed.nbytes > source.nbytes
    geometry = (n, height, width, c, *out_hw, padded_c, kh, kw, *stride, *dilation, by_filters)
    flat = (source.reshape(-1), packed.reshape(-1), out.reshape(-1))
    jit.run(kernels.forward[block], *flat, *geometry)
    return out if padded_c == out_c else np.ascontiguousarray(out[..., :out_c])


def forward(ctx, padded, weight, bias, window: Window, out_hw):
    """The convolution of ``padded`` (N, H_pad, W_pad, C), C-contiguous float32, with ``weight``
    (C_out, C, F_h, F_w): the (N, H_out, W_out, C_out) output, C-contiguous."""
    kernels = jit.module("conv_jit")
    packed = _pack(kernels, weight, flipped=False)
    stride, dilation = window.stride, window.dilation
    out = _correlate(kernels, padded, packed, weight.shape[0], out_hw, stride, dilation)
    if bias is not None:
        parallel.over_batch(lambda s: np.add(out[s], bias, out=out[s]), out)
    ctx.jit_kernels, ctx.padded_shape = kernels, padded.shape
    ctx.save_for_backward(padded if ctx.needs_input_grad[1] else None, weight)
    return out


def backward(ctx, grad, need_x: bool, need_w: bool):
    """(dL/dx (N, H, W, C) of the unpadded input or None, dL/dW or None) of the channels-last
    output gradient ``grad`` (N, H_out, W_out, C_out), C-contiguous."""
    padded, weight = ctx.saved_tensors
    grad = np.ascontiguousarray(grad, dtype=np.float32)
    grad_w = _weight_grad(ctx, padded, grad) if need_w else None
    grad_x = None
    if need_x:
        n, c, height, width = ctx.x_shape
        spread = _spread(grad, ctx.window, (height, width))
        # W'[i', j', o, c] = W[o, c, F_h-1-i', F_w-1-j']: flipped, input and output swapped.
        flipped = _pack(ctx.jit_kernels, weight, flipped=True)
        dilation = ctx.window.dilation
        grad_x = _correlate(ctx.jit_kernels, spread, flipped, c, (height, width), (1, 1), dilation)
    return grad_x, grad_w


def _weight_grad(ctx, padded, grad):
    kernels, window = ctx.jit_kernels, ctx.window
    n, hp, wp, c = ctx.padded_shape
    out_c, _, kh, kw = ctx.weight_shape
    ho, wo = grad.shape[1:3]
    block = lanes(out_c)
    padded_c = -(-out_c // block) * block
    if padded_c != out_c:
        zeros = np.zeros((*grad.shape[:3], padded_c - out_c), grad.dtype)
        grad = np.concatenate([grad, zeros], 3)
    threads = jit.threads()
    partial = np.zeros((threads, kh * kw * c * padded_c), dtype=np.float32)
    geometry = (n, hp, wp, c, ho, wo, padded_c, kh, kw, *window.stride, *window.dilation)
    flat = (padded.reshape(-1), grad.reshape(-1), partial)
    jit.run(kernels.weight_grad[block], *flat, *geometry)
    taps = partial.sum(axis=0).reshape(kh, kw, c, padded_c)[..., :out_c]
    return np.ascontiguousarray(taps.transpose(3, 2, 0, 1))  # (C_out, C, F_h, F_w)


def _spread(grad, window: Window, in_hw):
    """The cells of G_zp (module docstring) that the unpadded input's gradient reads:
    (N, H + (F_h-1)·D_h, W + (F_w-1)·D_w, C_out), G's values S cells apart, zeros elsewhere."""
    n, ho, wo, out_c = grad.shape
    top, _, left, _ = window.padding
    sizes, places = [], []
    for size, out_size, pad_before, kernel, stride, dilation in zip(
        in_hw, (ho, wo), (top, left), window.kernel, window.stride, window.dilation
    ):
        length = size + (kernel - 1) * dilation
        offset = (kernel - 1) * dilation - pad_before  # where G[0] lands
        first = max(0, -(offset // stride))  # the first y with offset + y·S ≥ 0
        last = min(out_size - 1, (length - 1 - offset) // stride)  # the last inside
        cells = slice(offset + first * stride, offset + last * stride + 1, stride)
        sizes.append(length)
        places.append((offset, slice(first, last + 1), cells))
    if window.stride == (1, 1):  # G itself, padded (or cropped) by the offsets: one pass
        out = np.empty((n, *sizes, out_c), dtype=grad.dtype)
        compiled = jit.module("conv_jit")
        place = compiled.place if out.nbytes >= jit.MIN_BYTES else compiled.place_serial
        jit.run(place, grad, out, places[0][0], places[1][0])
        return out
    out = np.zeros((n, *sizes, out_c), dtype=grad.dtype)
    (_, rows, row_cells), (_, cols, col_cells) = places
    if rows.stop > rows.start and cols.stop > cols.start:
        out[:, row_cells, col_cells] = grad[:, rows, cols]
    return out
