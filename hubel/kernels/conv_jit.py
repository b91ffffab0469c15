"""conv2d's direct-convolution loops, compiled by numba (the ``fast`` extra): the machine code
behind ``conv_direct.py``, which prepares the arrays and calls these. Imported only through
``jit.py``, never by ``import hubel``.

Both loops are the textbook sums, written so that the compiler keeps the partial sums in vector
registers (the "register blocking" of every fast convolution library):

- ``forward``: out[m, o] = Σ_{i,j,c} x_pad[pixel m's tap (i, j), c] · W[i, j, c, o], eight output
  pixels at a time, L output channels at a time (L = ``lanes``, 16 or 32): 8 x L partial sums
  live in registers while the loop over (i, j, c) broadcasts one input value per pixel and
  loads one row of L filter values, 8 fused multiply-adds of L lanes per 8 + L/16 loads. No
  im2col: the input is read where it lies.
- ``weight_grad``: dL/dW[i, j, c, o] = Σ_m x_pad[pixel m's tap (i, j), c] · G[m, o], eight
  input channels by L output channels held in registers over a run of output rows; each
  thread sums its own rows into its own copy (``partial[t]``), added up by the caller.
- ``depthwise``: one input channel per group (MobileNet's 3x3 layers), the channels as the
  vector loop: out[m, c] = Σ_{i,j} x_pad[pixel m's tap (i, j), c] · taps[i, j, c]; for float32
  and kernels up to 7 x 7, ``depthwise_blocked``: the same sums, 4 pixels x 16 channels held
  in registers.

Arrays are flat float32 (C-contiguous channels-last data, ``conv_direct.py``), C_out a multiple
of L. L = 32 needs AVX-512 (16 registers of 512 bits hold the 8 x 32 sums; with 256-bit
registers they would spill), L = 16 runs everywhere. Each loop is built once per L
(``_make_forward``, ``_make_weight_grad``: L is a constant in the machine code, so the loops
over lanes unroll into vector instructions). Indices are cast to unsigned (``_U``): a signed
index makes numba test for negative values and wrap them, which turns the contiguous filter
loads into gathers (3x slower).
``cache=True`` keeps the machine code under ``__pycache__`` (or numba's user cache) so that the
compile (ResNet-20's kernels: about 16 s in all) happens once per machine, not once per process.
"""

from __future__ import annotations

import llvmlite.ir as ir
import numba
import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

_U = numba.uint64


@intrinsic
def _vector(typingctx, size):
    """``size`` float32 on the stack (the partial sums of one pixel; ``size`` a constant): the
    compiler turns them into vector registers, which it would not do for an array on the heap.

    It also marks the function that uses it as one that may use 512-bit vectors. LLVM's tuning
    for Intel's AVX-512 server CPUs prefers 256-bit vectors (so that light vector code does not
    lower the clock); these loops are all vector arithmetic, and 32 lanes in two 512-bit
    registers per pixel run them 1.4x faster (``benchmarks/conv_layers.py``). The attribute
    is per function: nothing else numba compiles in the process is affected, and on a CPU
    without AVX-512 it changes nothing."""
    if not isinstance(size, types.IntegerLiteral):
        return None
    count = size.literal_value
    sig = types.CPointer(types.float32)(size)

    def codegen(context, builder, signature, args):
        attributes = builder.function.attributes
        # llvmlite's attribute set lists only LLVM's keyword attributes; these two are LLVM's
        # string attributes, written into the function's definition as they are.
        set.add(attributes, '"prefer-vector-width"="512"')
        set.add(attributes, '"min-legal-vector-width"="512"')
        ty = context.get_value_type(types.float32)
        ptr = cgutils.alloca_once(builder, ir.ArrayType(ty, count))
        return builder.bitcast(ptr, ty.as_pointer())

    return sig, codegen


@njit(inline="always", cache=True)
def _base(m, ho, wo, hp, wp, c_in, sh, sw):
    """Offset in x_pad of the first tap of output pixel m = (n·H_out + y)·W_out + x."""
    n = m // (ho * wo)
    r = m - n * (ho * wo)
    y = r // wo
    x = r - y * wo
    return ((n * hp + y * sh) * wp + x * sw) * c_in


@njit(inline="always", cache=True)
def _spot(m, ho, wo, out_place):
    """Pixel index in the output of output pixel m = (n·H_out + y)·W_out + x: (n, y₀ + y·s_y,
    x₀ + x·s_x) of an (N, rows, cols) grid, out_place = (rows, cols, y₀, x₀, s_y, s_x)."""
    rows, cols, y0, x0, sy, sx = out_place
    n = m // (ho * wo)
    r = m - n * (ho * wo)
    y = r // wo
    x = r - y * wo
    return (n * rows + y0 + y * sy) * cols + x0 + x * sx


def _make_forward(lanes):
    """The forward loop for blocks of ``lanes`` (16 or 32) output channels."""

    @njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
    def forward(
        x,
        w,
        out,
        n_img,
        hp,
        wp,
        c_in,
        ho,
        wo,
        c_out,
        kh,
        kw,
        sh,
        sw,
        dh,
        dw,
        by_filters,
        out_place,
        bias,
    ):
        """out = the convolution of x (N·H_pad·W_pad·C_in) with w, packed (C_out/lanes, F_h,
        F_w, C_in, lanes), at strides (sh, sw) and dilations (dh, dw): output pixel (n, y, x)
        at ``_spot``'s place in out (N·rows·cols·C_out), ``out_place`` = (rows, cols, y₀, x₀,
        s_y, s_x); (H_out, W_out, 0, 0, 1, 1) for a dense output. Each sum gets bias[channel]
        (C_out values, zeros for a layer without one) as it is stored, after the sum as in
        the reference, so that a bias costs no pass of its own (BN folding's above all:
        ResNet-56 folded at batch 64 ran 0.99x the unfolded speed with the bias as a compiled
        pass after this loop, 1.06x this way). One store loop for both: adding a zero costs
        nothing measurable (64 -> 64 channels, 32x32, batch 64: 31-34 ms either way), and only
        turns a -0 sum into +0.

        Items of 8 pixels x ``lanes`` filters run in parallel; the last block of pixels
        repeats its last pixel and stores only the real ones. ``by_filters``: the items go
        filter block by filter block, so that one block's filters stay in cache while every
        pixel passes (layers whose filters outweigh their pixels: ResNet-18's last stages at
        batch 1); else pixel block by pixel block, so that a block's input stays in cache for
        every filter block."""
        pixels = n_img * ho * wo
        last = pixels - 1
        blocks = (pixels + 7) // 8
        filter_blocks = c_out // lanes
        for item in prange(blocks * filter_blocks):
            if by_filters:
                f = item // blocks
                block = item - f * blocks
            else:
                block = item // filter_blocks
                f = item - block * filter_blocks
            a0 = numba.carray(_vector(lanes), lanes)
            a1 = numba.carray(_vector(lanes), lanes)
            a2 = numba.carray(_vector(lanes), lanes)
            a3 = numba.carray(_vector(lanes), lanes)
            a4 = numba.carray(_vector(lanes), lanes)
            a5 = numba.carray(_vector(lanes), lanes)
            a6 = numba.carray(_vector(lanes), lanes)
            a7 = numba.carray(_vector(lanes), lanes)
            m0 = block * 8
            b0 = _base(min(m0, last), ho, wo, hp, wp, c_in, sh, sw)
            b1 = _base(min(m0 + 1, last), ho, wo, hp, wp, c_in, sh, sw)
            b2 = _base(min(m0 + 2, last), ho, wo, hp, wp, c_in, sh, sw)
            b3 = _base(min(m0 + 3, last), ho, wo, hp, wp, c_in, sh, sw)
            b4 = _base(min(m0 + 4, last), ho, wo, hp, wp, c_in, sh, sw)
            b5 = _base(min(m0 + 5, last), ho, wo, hp, wp, c_in, sh, sw)
            b6 = _base(min(m0 + 6, last), ho, wo, hp, wp, c_in, sh, sw)
            b7 = _base(min(m0 + 7, last), ho, wo, hp, wp, c_in, sh, sw)
            for o in range(lanes):
                a0[o] = 0.0
                a1[o] = 0.0
                a2[o] = 0.0
                a3[o] = 0.0
                a4[o] = 0.0
                a5[o] = 0.0
                a6[o] = 0.0
                a7[o] = 0.0
            for i in range(kh):
                for j in range(kw):
                    tap = (i * dh * wp + j * dw) * c_in
                    wrow = ((f * kh + i) * kw + j) * c_in * lanes
                    for c in range(0, c_in, 1):
                        wb = wrow + c * lanes
                        t = tap + c
                        v0 = x[_U(b0 + t)]
                        v1 = x[_U(b1 + t)]
                        v2 = x[_U(b2 + t)]
                        v3 = x[_U(b3 + t)]
                        v4 = x[_U(b4 + t)]
                        v5 = x[_U(b5 + t)]
                        v6 = x[_U(b6 + t)]
                        v7 = x[_U(b7 + t)]
                        for o in range(lanes):
                            wv = w[_U(wb + o)]
                            a0[o] += v0 * wv
                            a1[o] += v1 * wv
                            a2[o] += v2 * wv
                            a3[o] += v3 * wv
                            a4[o] += v4 * wv
                            a5[o] += v5 * wv
                            a6[o] += v6 * wv
                            a7[o] += v7 * wv
            # Where each pixel's sums go (a repeated last pixel writes its own values again).
            d0 = _spot(min(m0, last), ho, wo, out_place) * c_out + f * lanes
            d1 = _spot(min(m0 + 1, last), ho, wo, out_place) * c_out + f * lanes
            d2 = _spot(min(m0 + 2, last), ho, wo, out_place) * c_out + f * lanes
            d3 = _spot(min(m0 + 3, last), ho, wo, out_place) * c_out + f * lanes
            d4 = _spot(min(m0 + 4, last), ho, wo, out_place) * c_out + f * lanes
            d5 = _spot(min(m0 + 5, last), ho, wo, out_place) * c_out + f * lanes
            d6 = _spot(min(m0 + 6, last), ho, wo, out_place) * c_out + f * lanes
            d7 = _spot(min(m0 + 7, last), ho, wo, out_place) * c_out + f * lanes
            for o in range(lanes):
                b = bias[_U(f * lanes + o)]
                out[_U(d0 + o)] = a0[o] + b
                out[_U(d1 + o)] = a1[o] + b
                out[_U(d2 + o)] = a2[o] + b
                out[_U(d3 + o)] = a3[o] + b
                out[_U(d4 + o)] = a4[o] + b
                out[_U(d5 + o)] = a5[o] + b
                out[_U(d6 + o)] = a6[o] + b
                out[_U(d7 + o)] = a7[o] + b

    return forward


def _make_weight_grad(lanes, block=8):
    """The weight-gradient loop for blocks of ``block`` (8 or 16) input channels by ``lanes``
    (16 or 32) output channels: 8 x 32 or 16 x 16 sums fill the 16 vector registers of 512
    bits that hide the latency of the multiply-adds (8 x 16 leave half of them idle: 16 x 16
    is 17% faster on ResNet-20's 16-channel layers)."""

    @njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
    def weight_grad(x, g, partial, n_img, hp, wp, c_in, ho, wo, c_out, kh, kw, sh, sw, dh, dw):
        """partial[t] (F_h·F_w·C_in·C_out, zeros on entry) += thread t's share of dL/dW =
        Σ_m x_pad[tap of m] G[m] over output rows; channels past the last multiple of
        ``block`` one at a time."""
        threads = partial.shape[0]
        rows = n_img * ho
        full = c_in - c_in % block
        for t in prange(threads):
            part = partial[t]
            a0 = numba.carray(_vector(lanes), lanes)
            a1 = numba.carray(_vector(lanes), lanes)
            a2 = numba.carray(_vector(lanes), lanes)
            a3 = numba.carray(_vector(lanes), lanes)
            a4 = numba.carray(_vector(lanes), lanes)
            a5 = numba.carray(_vector(lanes), lanes)
            a6 = numba.carray(_vector(lanes), lanes)
            a7 = numba.carray(_vector(lanes), lanes)
            a8 = numba.carray(_vector(lanes), lanes)
            a9 = numba.carray(_vector(lanes), lanes)
            a10 = numba.carray(_vector(lanes), lanes)
            a11 = numba.carray(_vector(lanes), lanes)
            a12 = numba.carray(_vector(lanes), lanes)
            a13 = numba.carray(_vector(lanes), lanes)
            a14 = numba.carray(_vector(lanes), lanes)
            a15 = numba.carray(_vector(lanes), lanes)
            r = t * rows // threads
            r1 = (t + 1) * rows // threads
            while r < r1:
                n = r // ho
                y0 = r - n * ho
                y1 = min(ho, y0 + r1 - r)
                for i in range(kh):
                    for j in range(kw):
                        for cb in range(0, full, block):
                            for ob in range(0, c_out, lanes):
                                dst = ((i * kw + j) * c_in + cb) * c_out + ob
                                for o in range(lanes):
                                    a0[o] = part[_U(dst + o)]
                                    a1[o] = part[_U(dst + c_out + o)]
                                    a2[o] = part[_U(dst + 2 * c_out + o)]
                                    a3[o] = part[_U(dst + 3 * c_out + o)]
                                    a4[o] = part[_U(dst + 4 * c_out + o)]
                                    a5[o] = part[_U(dst + 5 * c_out + o)]
                                    a6[o] = part[_U(dst + 6 * c_out + o)]
                                    a7[o] = part[_U(dst + 7 * c_out + o)]
                                    if block == 16:
                                        a8[o] = part[_U(dst + 8 * c_out + o)]
                                        a9[o] = part[_U(dst + 9 * c_out + o)]
                                        a10[o] = part[_U(dst + 10 * c_out + o)]
                                        a11[o] = part[_U(dst + 11 * c_out + o)]
                                        a12[o] = part[_U(dst + 12 * c_out + o)]
                                        a13[o] = part[_U(dst + 13 * c_out + o)]
                                        a14[o] = part[_U(dst + 14 * c_out + o)]
                                        a15[o] = part[_U(dst + 15 * c_out + o)]
                                for y in range(y0, y1):
                                    xrow = ((n * hp + y * sh + i * dh) * wp + j * dw) * c_in + cb
                                    grow = ((n * ho + y) * wo) * c_out + ob
                                    for xx in range(0, wo, 1):
                                        xb = xrow + xx * sw * c_in
                                        gb = grow + xx * c_out
                                        v0 = x[_U(xb)]
                                        v1 = x[_U(xb + 1)]
                                        v2 = x[_U(xb + 2)]
                                        v3 = x[_U(xb + 3)]
                                        v4 = x[_U(xb + 4)]
                                        v5 = x[_U(xb + 5)]
                                        v6 = x[_U(xb + 6)]
                                        v7 = x[_U(xb + 7)]
                                        if block == 16:
                                            v8 = x[_U(xb + 8)]
                                            v9 = x[_U(xb + 9)]
                                            v10 = x[_U(xb + 10)]
                                            v11 = x[_U(xb + 11)]
                                            v12 = x[_U(xb + 12)]
                                            v13 = x[_U(xb + 13)]
                                            v14 = x[_U(xb + 14)]
                                            v15 = x[_U(xb + 15)]
                                        else:
                                            v8 = v9 = v10 = v11 = v12 = v13 = v14 = v15 = v0
                                        for o in range(lanes):
                                            gv = g[_U(gb + o)]
                                            a0[o] += v0 * gv
                                            a1[o] += v1 * gv
                                            a2[o] += v2 * gv
                                            a3[o] += v3 * gv
                                            a4[o] += v4 * gv
                                            a5[o] += v5 * gv
                                            a6[o] += v6 * gv
                                            a7[o] += v7 * gv
                                            if block == 16:
                                                a8[o] += v8 * gv
                                                a9[o] += v9 * gv
                                                a10[o] += v10 * gv
                                                a11[o] += v11 * gv
                                                a12[o] += v12 * gv
                                                a13[o] += v13 * gv
                                                a14[o] += v14 * gv
                                                a15[o] += v15 * gv
                                for o in range(lanes):
                                    part[_U(dst + o)] = a0[o]
                                    part[_U(dst + c_out + o)] = a1[o]
                                    part[_U(dst + 2 * c_out + o)] = a2[o]
                                    part[_U(dst + 3 * c_out + o)] = a3[o]
                                    part[_U(dst + 4 * c_out + o)] = a4[o]
                                    part[_U(dst + 5 * c_out + o)] = a5[o]
                                    part[_U(dst + 6 * c_out + o)] = a6[o]
                                    part[_U(dst + 7 * c_out + o)] = a7[o]
                                    if block == 16:
                                        part[_U(dst + 8 * c_out + o)] = a8[o]
                                        part[_U(dst + 9 * c_out + o)] = a9[o]
                                        part[_U(dst + 10 * c_out + o)] = a10[o]
                                        part[_U(dst + 11 * c_out + o)] = a11[o]
                                        part[_U(dst + 12 * c_out + o)] = a12[o]
                                        part[_U(dst + 13 * c_out + o)] = a13[o]
                                        part[_U(dst + 14 * c_out + o)] = a14[o]
                                        part[_U(dst + 15 * c_out + o)] = a15[o]
                        for c in range(full, c_in):
                            for ob in range(0, c_out, lanes):
                                dst = ((i * kw + j) * c_in + c) * c_out + ob
                                for o in range(lanes):
                                    a0[o] = part[_U(dst + o)]
                                for y in range(y0, y1):
                                    xrow = ((n * hp + y * sh + i * dh) * wp + j * dw) * c_in + c
                                    grow = ((n * ho + y) * wo) * c_out + ob
                                    for xx in range(0, wo, 1):
                                        v0 = x[_U(xrow + xx * sw * c_in)]
                                        gb = grow + xx * c_out
                                        for o in range(lanes):
                                            a0[o] += v0 * g[_U(gb + o)]
                                for o in range(lanes):
                                    part[_U(dst + o)] = a0[o]
                r += y1 - y0

    return weight_grad


def _make_pointwise(lanes):
    """The 1x1 convolution (stride 1, no padding) for blocks of ``lanes`` (16 or 32) output
    channels: ``forward``'s register blocking without its geometry. Pixel m's input is row m
    of x and its output row m of out, so a block's eight rows are found by one multiplication
    each, where ``forward`` divides to find each pixel's image, row and column (a handful of
    integer divisions per pixel, as long as the whole sum when C_in is 16-32)."""

    @njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
    def pointwise(x, w, out, pixels, c_in, c_out, by_filters):
        """out (pixels·C_out) = x (pixels·C_in) times the filters w, packed (C_out/lanes, 1,
        1, C_in, lanes) with zeros past C_out (``pack_filters``); flat C-contiguous float32.
        Items of 8 pixels x ``lanes`` filters in parallel; the last pixel block repeats its
        last pixel, the last filter block stores only the real channels. ``by_filters`` as in
        ``forward``."""
        last = pixels - 1
        blocks = (pixels + 7) // 8
        filter_blocks = (c_out + lanes - 1) // lanes
        for item in prange(blocks * filter_blocks):
            if by_filters:
                f = item // blocks
                block = item - f * blocks
            else:
                block = item // filter_blocks
                f = item - block * filter_blocks
            a0 = numba.carray(_vector(lanes), lanes)
            a1 = numba.carray(_vector(lanes), lanes)
            a2 = numba.carray(_vector(lanes), lanes)
            a3 = numba.carray(_vector(lanes), lanes)
            a4 = numba.carray(_vector(lanes), lanes)
            a5 = numba.carray(_vector(lanes), lanes)
            a6 = numba.carray(_vector(lanes), lanes)
            a7 = numba.carray(_vector(lanes), lanes)
            m0 = block * 8
            m1 = min(m0 + 1, last)
            m2 = min(m0 + 2, last)
            m3 = min(m0 + 3, last)
            m4 = min(m0 + 4, last)
            m5 = min(m0 + 5, last)
            m6 = min(m0 + 6, last)
            m7 = min(m0 + 7, last)
            for o in range(lanes):
                a0[o] = 0.0
                a1[o] = 0.0
                a2[o] = 0.0
                a3[o] = 0.0
                a4[o] = 0.0
                a5[o] = 0.0
                a6[o] = 0.0
                a7[o] = 0.0
            w0 = f * c_in * lanes
            for c in range(c_in):
                wb = w0 + c * lanes
                v0 = x[_U(m0 * c_in + c)]
                v1 = x[_U(m1 * c_in + c)]
                v2 = x[_U(m2 * c_in + c)]
                v3 = x[_U(m3 * c_in + c)]
                v4 = x[_U(m4 * c_in + c)]
                v5 = x[_U(m5 * c_in + c)]
                v6 = x[_U(m6 * c_in + c)]
                v7 = x[_U(m7 * c_in + c)]
                for o in range(lanes):
                    wv = w[_U(wb + o)]
                    a0[o] += v0 * wv
                    a1[o] += v1 * wv
                    a2[o] += v2 * wv
                    a3[o] += v3 * wv
                    a4[o] += v4 * wv
                    a5[o] += v5 * wv
                    a6[o] += v6 * wv
                    a7[o] += v7 * wv
            # One loop per pixel (see ``depthwise_blocked``); the last filter block may be short.
            width = min(lanes, c_out - f * lanes)
            d = f * lanes
            for o in range(width):
                out[_U(m0 * c_out + d + o)] = a0[o]
            for o in range(width):
                out[_U(m1 * c_out + d + o)] = a1[o]
            for o in range(width):
                out[_U(m2 * c_out + d + o)] = a2[o]
            for o in range(width):
                out[_U(m3 * c_out + d + o)] = a3[o]
            for o in range(width):
                out[_U(m4 * c_out + d + o)] = a4[o]
            for o in range(width):
                out[_U(m5 * c_out + d + o)] = a5[o]
            for o in range(width):
                out[_U(m6 * c_out + d + o)] = a6[o]
            for o in range(width):
                out[_U(m7 * c_out + d + o)] = a7[o]

    return pointwise


@njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
def stream_filters(x, w, offsets, out, taps, blocks, c_out):
    """out[o, q] = Σ_t w[o, t] · x[offsets[t] + q] for q < 64·blocks: a convolution whose
    filters w (C_out·taps, the (C_out, C, F_h, F_w) array as it is, flat) are read once, in
    their own order, and whose input x is a few planes (flat) read at the offset of each tap t.
    Items of 4 filters in parallel; in each, blocks of 64 consecutive q keep 4 x 64 partial
    sums in registers while the taps pass (4 broadcast filter values and 4 vector loads per
    16 multiply-adds). The last item repeats its last filter when C_out is not a multiple of
    4. ``conv_direct.stream_forward`` lays out the planes and offsets and picks the outputs."""
    width = blocks * 64
    for item in prange((c_out + 3) // 4):
        o0 = item * 4
        o1 = min(o0 + 1, c_out - 1)
        o2 = min(o0 + 2, c_out - 1)
        o3 = min(o0 + 3, c_out - 1)
        for block in range(blocks):
            q0 = block * 64
            a0 = numba.carray(_vector(64), 64)
            a1 = numba.carray(_vector(64), 64)
            a2 = numba.carray(_vector(64), 64)
            a3 = numba.carray(_vector(64), 64)
            for q in range(64):
                a0[q] = 0.0
                a1[q] = 0.0
                a2[q] = 0.0
                a3[q] = 0.0
            for t in range(taps):
                w0 = w[_U(o0 * taps + t)]
                w1 = w[_U(o1 * taps + t)]
                w2 = w[_U(o2 * taps + t)]
                w3 = w[_U(o3 * taps + t)]
                base = offsets[t] + q0
                for q in range(64):
                    v = x[_U(base + q)]
                    a0[q] += w0 * v
                    a1[q] += w1 * v
                    a2[q] += w2 * v
                    a3[q] += w3 * v
            # One loop per filter (see ``depthwise_blocked``).
            for q in range(64):
                out[_U(o0 * width + q0 + q)] = a0[q]
            for q in range(64):
                out[_U(o1 * width + q0 + q)] = a1[q]
            for q in range(64):
                out[_U(o2 * width + q0 + q)] = a2[q]
            for q in range(64):
                out[_U(o3 * width + q0 + q)] = a3[q]


# By lanes per block: 16 (2 x 256-bit or 1 x 512-bit registers per pixel), 32 (2 x 512-bit,
# for CPUs with AVX-512 and layers whose C_out is a multiple of 32).
forward = {lanes: _make_forward(lanes) for lanes in (16, 32)}
pointwise = {lanes: _make_pointwise(lanes) for lanes in (16, 32)}
# By (lanes, input channels per block); (16, 16) for CPUs with AVX-512 and C_in % 16 == 0.
weight_grad = {
    (lanes, block): _make_weight_grad(lanes, block) for lanes, block in ((16, 8), (16, 16), (32, 8))
}


@njit(parallel=True, cache=True, boundscheck=False)
def place(x, out, top, left):
    """out[n, y, x] = x[n, y - top, x - left] where that cell exists, else 0: x (N, H, W, C)
    padded (or, with negative offsets, cropped) into out (N, H', W', C) in one pass."""
    n, h, w, c = x.shape
    hp, wp = out.shape[1], out.shape[2]
    for r in prange(n * hp):
        i = r // hp
        y = r - i * hp
        src = y - top
        if src < 0 or src >= h:
            for q in range(wp):
                for k in range(c):
                    out[i, y, q, k] = 0
            continue
        for q in range(wp):
            s = q - left
            if s < 0 or s >= w:
                for k in range(c):
                    out[i, y, q, k] = 0
            else:
                for k in range(c):
                    out[i, y, q, k] = x[i, src, s, k]


@njit(parallel=True, cache=True)
def warm_up(x):
    """A parallel loop that does nothing useful: running it loads numba's threading layer
    (``jit.py`` does, at the moment it chooses)."""
    for i in prange(x.size):
        x[i] = 0


@intrinsic
def _transpose16(typingctx, src, start, step, tile):
    """tile[16·r + c] = src[start + c·step + r] for r, c < 16: a 16 x 16 block of float32 read
    as 16 rows of 16 contiguous values (row c from ``start + c·step``), transposed in vector
    registers, written to the 256 contiguous values of ``tile``.

    The transpose is four rounds of two-vector shuffles: in round b (8, 4, 2, 1), rows i and
    i + b (i without bit b) swap the values whose column has bit b set. Value (i, j) takes part
    in the rounds of the bits where i and j differ, and each of those flips that bit of both
    its row and its column: it ends at (j, i). 64 shuffles for 256 values, where a loop of
    scalar copies would make 256 strided loads (``pack_filters``'s reason to exist)."""
    if not (isinstance(src, types.Array) and isinstance(tile, types.Array)):
        return None
    sig = types.void(src, start, step, tile)

    def codegen(context, builder, signature, args):
        source = context.make_array(signature.args[0])(context, builder, args[0]).data
        target = context.make_array(signature.args[3])(context, builder, args[3]).data
        vector = ir.VectorType(ir.FloatType(), 16)
        index = ir.IntType(64)
        first = context.cast(builder, args[1], signature.args[1], types.uint64)
        stride = context.cast(builder, args[2], signature.args[2], types.uint64)
        rows = []
        for c in range(16):
            offset = builder.add(first, builder.mul(stride, ir.Constant(index, c)))
            address = builder.bitcast(builder.gep(source, [offset]), vector.as_pointer())
            rows.append(builder.load(address, align=4))
        bit = 8
        while bit:
            keep = [j if not j & bit else 16 + (j ^ bit) for j in range(16)]
            take = [j ^ bit if not j & bit else 16 + j for j in range(16)]
            masks = [ir.Constant(ir.VectorType(ir.IntType(32), 16), m) for m in (keep, take)]
            swapped = list(rows)
            for i in range(16):
                if not i & bit:
                    low, high = rows[i], rows[i | bit]
                    swapped[i] = builder.shuffle_vector(low, high, masks[0])
                    swapped[i | bit] = builder.shuffle_vector(low, high, masks[1])
            rows, bit = swapped, bit // 2
        for r in range(16):
            address = builder.gep(target, [ir.Constant(index, 16 * r)])
            builder.store(rows[r], builder.bitcast(address, vector.as_pointer()), align=4)
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", cache=True, boundscheck=False)
def _pack_scalar(w, out, f, lanes_from, lanes_to, flipped):
    """``pack_filters`` for block f, lanes [lanes_from, lanes_to), one value at a time."""
    out_c, c_in, kh, kw = w.shape
    inner, width = out.shape[3], out.shape[4]
    count = c_in if flipped else out_c
    for i in range(kh):
        for j in range(kw):
            for k in range(inner):
                for l in range(lanes_from, lanes_to):
                    lane = width * f + l
                    value = np.float32(0)
                    if lane < count:
                        if flipped:
                            value = w[k, lane, kh - 1 - i, kw - 1 - j]
                        else:
                            value = w[lane, k, i, j]
                    out[f, i, j, k, l] = value


@njit(inline="always", cache=True, boundscheck=False)
def _pack_block(w, out, f, flipped, tile):
    """``pack_filters`` for block f. Each 16 lanes of it: w[lane] is one row of C·F_h·F_w
    contiguous values, (k, i, j) in order, and out[f, i, j, k, lanes] one contiguous row of 16
    per value of (k, i, j): a transpose, done 16 x 16 at a time in registers (``_transpose16``)
    through the 256-value ``tile``. The last M mod 16 values, lanes past C_out and the flipped
    filters (only the input gradient needs them, where the filters are small next to the
    images) go value by value."""
    out_c, c_in, kh, kw = w.shape
    inner, width = out.shape[3], out.shape[4]
    if flipped:
        _pack_scalar(w, out, f, 0, width, flipped)
        return
    taps = kh * kw
    total = c_in * taps
    whole = total - total % 16
    source = w.reshape(-1)
    target = out.reshape(-1)
    for l0 in range(0, width, 16):
        lane0 = width * f + l0
        if lane0 + 16 > out_c or whole == 0:
            _pack_scalar(w, out, f, l0, l0 + 16, flipped)
            continue
        for m0 in range(0, whole, 16):
            _transpose16(source, lane0 * total + m0, total, tile)
            for r in range(16):
                k = (m0 + r) // taps
                t = m0 + r - k * taps
                row = _U(((f * taps + t) * inner + k) * width + l0)
                for l in range(16):
                    target[row + _U(l)] = tile[_U(16 * r + l)]
        for m in range(whole, total):
            k = m // taps
            t = m - k * taps
            for l in range(16):
                out[f, t // kw, t % kw, k, l0 + l] = source[(lane0 + l) * total + m]


@njit(parallel=True, cache=True, boundscheck=False)
def pack_filters(w, out, flipped):
    """The filters w (C_out, C, F_h, F_w), C-contiguous, as ``forward`` reads them: out
    (blocks, F_h, F_w, K, L) with out[f, i, j, k, l] = w[Lf + l, k, i, j], zero past C_out.
    ``flipped``: the input gradient's filters instead, out[f, i, j, o, l] = w[o, Lf + l,
    F_h-1-i, F_w-1-j] (flipped, input and output channels swapped), zero past C.
    Blocks in parallel (``pack_filters_serial``: on the calling thread, for small filters).
    At batch 1 the filters outweigh the images, and this copy is a large part of a layer:
    ResNet-18's 512 x 512 x 3 x 3 filters (9.4 MB, from memory) take 1.8 ms on 2 Zen 4 cores,
    4.2 ms copied value by value (``_pack_scalar`` alone), and its forward at batch 1 50 -> 41
    ms (medians of an in-process A/B of the two copies)."""
    for f in prange(out.shape[0]):
        tile = np.empty(256, np.float32)
        _pack_block(w, out, f, flipped, tile)


# ``pack_filters`` on the calling thread, for filters under ``jit.MIN_BYTES``.
pack_filters_serial = njit(cache=True, boundscheck=False)(pack_filters.py_func)


# ``place`` on the calling thread, for arrays under ``jit.MIN_BYTES``.
place_serial = njit(cache=True, boundscheck=False)(place.py_func)


@njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
def depthwise(x, taps, out, sh, sw, dh, dw):
    """out[n, y, q, c] = Σ_{i,j} x[n, y·s_h + i·d_h, q·s_w + j·d_w, c] · taps[i, j, c]: a
    depthwise correlation of the padded channels-last x (N, H_pad, W_pad, C), C-contiguous,
    with taps (F_h, F_w, C), into out (N, H_out, W_out, C). Output rows in parallel; the loop
    over channels is the vector loop (contiguous in x, taps and out)."""
    n, ho, wo, c = out.shape
    kh, kw = taps.shape[0], taps.shape[1]
    for r in prange(n * ho):
        i = r // ho
        y = r - i * ho
        for q in range(wo):
            acc = out[i, y, q]
            for ch in range(c):
                acc[ch] = 0
            for a in range(kh):
                for b in range(kw):
                    src = x[i, y * sh + a * dh, q * sw + b * dw]
                    tap = taps[a, b]
                    for ch in range(c):
                        acc[ch] += src[ch] * tap[ch]


_DW_LANES = 16  # channels per vector of the blocked depthwise loop (one 512-bit register)
_DW_PIXELS = 4  # output pixels per block: 4 partial sums share each tap's load


def _make_depthwise_blocked(kh, kw):
    """``depthwise`` for float32 and an F_h x F_w kernel fixed in the machine code, register
    blocked, reading the input unpadded: items of one output row x 16 channels run in
    parallel; in each, 4 output pixels at a time keep their 16-channel partial sums in vector
    registers while the taps pass (one load of a tap row feeds 4 multiply-adds), and are
    stored once. Taps that fall on the zero padding are skipped (no padded copy is made): tap
    rows outside the image for the whole block; the columns near a row's two ends, whose
    windows reach past the image, are blocks of their own that skip taps pixel by pixel
    (the last block of each kind repeats its last pixel). With finite taps
    that gives the padded sums (a skipped term is a 0 · tap = ±0), which ``conv.py`` checks.
    Channels past the last multiple of 16 go one pixel at a time, their sums in ``out``.

    Why fixed taps: with F_h and F_w known, LLVM unrolls the tap loops and turns each pixel's
    16 sums into one vector; with them as variables it vectorizes the loop over the taps
    instead, with gathers. MobileNetV2's 17 depthwise layers at batch 1
    (``benchmarks/mobilenet_layers.py``, 2 AMD Zen 4 cores): 3.8 ms with ``depthwise``, 2.3-2.4
    with this loop over padded copies, PyTorch 2.5 (ratio 2.04-2.08 -> 0.92-0.97)."""

    @njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
    def depthwise_blocked(x, taps, out, n_img, h, w, c, ho, wo, sh, sw, dh, dw, top, left):
        """out (N·H_out·W_out·C) = ``depthwise`` of x (N·H·W·C) padded by ``top`` rows and
        ``left`` columns (and as many zeros below and right as the windows reach), taps
        (F_h·F_w·C); all flat C-contiguous float32."""
        lanes = _DW_LANES
        blocks = (c + lanes - 1) // lanes
        # The output columns whose taps all fall inside the image's columns: [first, right);
        # the others, the border, go through the blocks that skip taps pixel by pixel.
        first = min(wo, (left + sw - 1) // sw)
        reach = w - 1 + left - (kw - 1) * dw  # the last such column's first tap, times sw
        right = min(wo, max(first, reach // sw + 1 if reach >= 0 else 0))
        border = first + wo - right
        inner_blocks = (right - first + _DW_PIXELS - 1) // _DW_PIXELS
        border_blocks = (border + _DW_PIXELS - 1) // _DW_PIXELS
        for item in prange(n_img * ho * blocks):
            r = item // blocks
            c0 = (item - r * blocks) * lanes
            i = r // ho
            y = r - i * ho
            out_row = r * wo * c + c0
            if c0 + lanes > c:  # the channels past the last multiple of 16
                width = c - c0
                for q in range(wo):
                    d = out_row + q * c
                    for l in range(width):
                        out[_U(d + l)] = 0.0
                    for a in range(kh):
                        iy = y * sh + a * dh - top
                        if iy < 0 or iy >= h:
                            continue
                        for b in range(kw):
                            ix = q * sw + b * dw - left
                            if ix < 0 or ix >= w:
                                continue
                            t = (a * kw + b) * c + c0
                            p = ((i * h + iy) * w + ix) * c + c0
                            for l in range(width):
                                out[_U(d + l)] += x[_U(p + l)] * taps[_U(t + l)]
                continue
            for block in range(inner_blocks + border_blocks):
                inside = block < inner_blocks
                if inside:  # 4 pixels of [first, right), the last block repeating right - 1
                    q0 = first + block * _DW_PIXELS
                    q1 = min(q0 + 1, right - 1)
                    q2 = min(q0 + 2, right - 1)
                    q3 = min(q0 + 3, right - 1)
                else:  # 4 of the border's pixels, [0, first) then [right, W_out)
                    k = (block - inner_blocks) * _DW_PIXELS
                    q0 = k if k < first else right + k - first
                    k = min(k + 1, border - 1)
                    q1 = k if k < first else right + k - first
                    k = min(k + 1, border - 1)
                    q2 = k if k < first else right + k - first
                    k = min(k + 1, border - 1)
                    q3 = k if k < first else right + k - first
                a0 = numba.carray(_vector(lanes), lanes)
                a1 = numba.carray(_vector(lanes), lanes)
                a2 = numba.carray(_vector(lanes), lanes)
                a3 = numba.carray(_vector(lanes), lanes)
                for l in range(lanes):
                    a0[l] = 0.0
                    a1[l] = 0.0
                    a2[l] = 0.0
                    a3[l] = 0.0
                for a in range(kh):
                    iy = y * sh + a * dh - top
                    if iy < 0 or iy >= h:
                        continue
                    row = (i * h + iy) * w
                    if inside:
                        for b in range(kw):
                            t = (a * kw + b) * c + c0
                            p0 = (row + q0 * sw + b * dw - left) * c + c0
                            p1 = (row + q1 * sw + b * dw - left) * c + c0
                            p2 = (row + q2 * sw + b * dw - left) * c + c0
                            p3 = (row + q3 * sw + b * dw - left) * c + c0
                            for l in range(lanes):
                                tap = taps[_U(t + l)]
                                a0[l] += x[_U(p0 + l)] * tap
                                a1[l] += x[_U(p1 + l)] * tap
                                a2[l] += x[_U(p2 + l)] * tap
                                a3[l] += x[_U(p3 + l)] * tap
                        continue
                    for b in range(kw):  # a pixel whose tap falls outside the columns skips it
                        t = (a * kw + b) * c + c0
                        x0 = q0 * sw + b * dw - left
                        x1 = q1 * sw + b * dw - left
                        x2 = q2 * sw + b * dw - left
                        x3 = q3 * sw + b * dw - left
                        if 0 <= x0 < w:
                            p0 = (row + x0) * c + c0
                            for l in range(lanes):
                                a0[l] += x[_U(p0 + l)] * taps[_U(t + l)]
                        if 0 <= x1 < w:
                            p1 = (row + x1) * c + c0
                            for l in range(lanes):
                                a1[l] += x[_U(p1 + l)] * taps[_U(t + l)]
                        if 0 <= x2 < w:
                            p2 = (row + x2) * c + c0
                            for l in range(lanes):
                                a2[l] += x[_U(p2 + l)] * taps[_U(t + l)]
                        if 0 <= x3 < w:
                            p3 = (row + x3) * c + c0
                            for l in range(lanes):
                                a3[l] += x[_U(p3 + l)] * taps[_U(t + l)]
                # One loop per pixel: written as one loop, LLVM stores the sums value by value.
                for l in range(lanes):
                    out[_U(out_row + q0 * c + l)] = a0[l]
                for l in range(lanes):
                    out[_U(out_row + q1 * c + l)] = a1[l]
                for l in range(lanes):
                    out[_U(out_row + q2 * c + l)] = a2[l]
                for l in range(lanes):
                    out[_U(out_row + q3 * c + l)] = a3[l]

    return depthwise_blocked


# The blocked depthwise loops by kernel size (F_h, F_w), compiled when first asked for.
DEPTHWISE_MAX_TAPS = 49  # larger kernels take the general ``depthwise``
_depthwise_blocked = {}


def depthwise_blocked(kh: int, kw: int):
    """The blocked depthwise loop for an F_h x F_w kernel (``_make_depthwise_blocked``)."""
    found = _depthwise_blocked.get((kh, kw))
    if found is None:
        found = _depthwise_blocked[kh, kw] = _make_depthwise_blocked(kh, kw)
    return found
