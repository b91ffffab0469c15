"""The conv2d forward for inference: im2col one image at a time in plane order (Caffe's
layout), so that each image's columns are built, multiplied and dropped while still in cache.

For one image x_n (C, H, W), padded, the columns are cols_n (C·F_h·F_w, H_out·W_out), row
(c, i, j) the plane of channel c shifted by tap (i, j), and with W as (C_out, C·F_h·F_w)

    out_n = W cols_n + b     (N, C_out, H_out, W_out), NCHW memory.

Each product has the long pixel axis as its columns, the orientation OpenBLAS runs fastest
with few filters or one image (``conv.py`` multiplies the batch's channels-last columns,
(N·H_out·W_out, C·F_h·F_w), by W's (C·F_h·F_w, C_out): a tall product with C_out columns).
Measured on one thread (process time, median; ``benchmarks/zoo_forward.py``'s and
``resnet_train.py``'s shapes):

- ResNet-18 at batch 1, 224x224, eval, no grad: 130 ms against 198 ms with ``conv.py`` for
  every layer (its stride-1 3x3 convolutions here, the rest in ``conv.py``);
- one 3x3 layer at batch 128: 16 → 16 channels on 32x32 maps 44 against 64 ms; 32 → 32 on
  16x16, 35 against 33 ms; 64 → 64 on 8x8, 25 against 21 ms: at batch > 1 only layers with at
  most ``MAX_OUT_CHANNELS`` filters and ``MIN_PIXELS`` output pixels come here.

Only where no gradient is recorded: in training the products of the two backward passes on
these columns lost to ``conv.py``'s (ResNet-20's step went from 1.93 to 2.06 s of CPU time),
so a recorded node always runs ``conv.py`` forward and backward. 1x1 kernels stay in
``conv.py`` too, which multiplies their input in place without any im2col copy.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Window
from . import conv, conv_direct, parallel

MAX_OUT_CHANNELS = 32  # at batch > 1, wider layers: conv.py's tall product is as fast or faster
MIN_PIXELS = 256  # at batch > 1, H_out·W_out below this makes the per-image products too small


def accepts(ctx, x, weight, window: Window, groups: int) -> bool:
    """True for the convolutions this kernel takes: no gradient recorded (``ctx``), NumPy
    float32/float64 (x and W alike), one group, a kernel larger than 1x1, stride 1, no
    dilation, not taken by the compiled direct convolution (``conv_direct.py``); at batch > 1
    also at most ``MAX_OUT_CHANNELS`` filters and at least ``MIN_PIXELS`` output pixels."""
    if any(ctx.needs_input_grad) or type(x).__module__ != "numpy":
        return False
    if conv_direct.accepts(x, weight, window, groups):  # the compiled loops are faster still
        return False
    if x.dtype not in (np.float32, np.float64) or type(weight).__module__ != "numpy":
        return False
    if weight.dtype != x.dtype or groups != 1 or window.kernel == (1, 1):
        return False
    if window.stride != (1, 1) or window.dilation != (1, 1):
        return False
    out_h, out_w = window.output_shape(x.shape[2], x.shape[3], "conv2d")
    return x.shape[0] == 1 or (weight.shape[0] <= MAX_OUT_CHANNELS and out_h * out_w >= MIN_PIXELS)


# A node this kernel made is never recorded (``accepts``): every backward is conv.py's.
backward = conv.backward


def forward(ctx, x, weight, bias, window: Window, groups: int):
    """conv2d's forward: this kernel for the convolutions it ``accepts``, else ``conv.py``'s."""
    if not accepts(ctx, x, weight, window, groups):
        return conv.forward(ctx, x, weight, bias, window, groups)
    out_hw = window.output_shape(x.shape[2], x.shape[3], "conv2d")
    return _correlate(x, weight.reshape(weight.shape[0], -1), bias, window, out_hw)


def _correlate(x, w_rows, bias, window: Window, out_hw):
    """out_n = W cols_n (+ b) for every image n of x (N, C, H, W), any memory layout, the
    images shared over the threads: (N, C_out, H_out, W_out), NCHW memory."""
    out_c = w_rows.shape[0]
    out = np.empty((x.shape[0], out_c, *out_hw), dtype=x.dtype)
    columns = _Columns(x, window, out_hw)

    def share(images):
        work = columns.buffers()
        for image in range(images.start, images.stop):
            target = out[image].reshape(out_c, -1)
            np.matmul(w_rows, columns.of(image, work), out=target)
            if bias is not None:
                target += bias[:, None]

    parallel.run(share, parallel.shares_of(x.shape[0], columns.nbytes))
    return out


class _Columns:
    """One image's padded planes and plane-order columns, built in per-thread buffers."""

    def __init__(self, x, window: Window, out_hw: tuple[int, int]):
        self.x, self.window, self.out_hw = x, window, out_hw
        top, bottom, left, right = window.padding
        channels, height, width = x.shape[1:]
        self.padded_shape = (channels, height + top + bottom, width + left + right)
        self.shape = (channels, *window.kernel, *out_hw)  # (C, F_h, F_w, H_out, W_out)
        self.rows = channels * window.kernel[0] * window.kernel[1]  # C·F_h·F_w
        self.nbytes = self.rows * out_hw[0] * out_hw[1] * x.itemsize

    def buffers(self):
        """(padded image, columns) for one thread; the padding's border is zero once for all
        the images that thread takes."""
        return np.zeros(self.padded_shape, self.x.dtype), np.empty(self.shape, self.x.dtype)

    def of(self, image: int, work):
        """Image ``image``'s columns, (C·F_h·F_w, H_out·W_out), in ``work``'s buffers."""
        padded, cols = work
        top, _, left, _ = self.window.padding
        height, width = self.x.shape[2:]
        padded[:, top : top + height, left : left + width] = self.x[image]
        # view[c, y, x, i, j] = padded[c, y + i, x + j]: read as (c, i, j, y, x).
        view = np.lib.stride_tricks.sliding_window_view(padded, self.window.kernel, axis=(1, 2))
        np.copyto(cols, view.transpose(0, 3, 4, 1, 2))
        return cols.reshape(self.rows, -1)
