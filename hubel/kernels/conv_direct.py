"""conv2d as a direct convolution in compiled loops (``conv_jit.py``, numba): forward and both
gradients, no im2col and no matrix library. ``conv.py`` routes here the layers ``accepts``
takes when the compiled kernels are in force (``jit.py``); the reference is
``functional/conv.py``.

- Forward: the compiled loop over the padded channels-last input, C_out padded with zero
  filters to a multiple of 16 when it is not one (and the extra channels dropped).
- dL/dW: the compiled reduction over output pixels, one partial sum per thread.
- Small 1x1 convolutions (stride 1, no padding: ``pointwise``): the forward loop without its
  geometry, since pixel m's input and output are rows m; their gradients are ``conv.py``'s
  matrix products.
- dL/dX: a convolution too, so the same forward loop computes it. In one dimension, output y
  read input cell u = y·S + i·D of the padded input, so dL/dx_pad[u] = Σ_i G_z[u - i·D] W_i,
  where G_z is G with S - 1 zeros between its values. Padding G_z by the kernel's span - 1
  turns that into a correlation with the flipped kernel, dilation D, stride 1:

      dL/dx_pad[u] = Σ_i' G_zp[u + i'·D] W_{F-1-i'}      (G_zp[t] = G_z[t - (F-1)·D])

  with input and output channels swapped (W_iᵀ). Only the cells u of the unpadded input are
  computed: ``_spread`` builds the window of G_zp they read, L + (F-1)·D cells per axis.
  That is the stride-1 case. With S > 1 most of G_z is zeros (3/4 of it at S = 2), and so
  would be 3/4 of the products: there the input cells are split by phase, u = q·S + r, and
  each phase gets only the taps whose i·D ≡ r (mod S) (``_phases``), a stride-1 correlation
  of G itself. At S = 2 with a 3x3 kernel: 2x2, 2x1, 1x2 and 1x1 taps, 9 products per
  output cell in all, as many as the forward pass.

Why: ResNet-20's 16-64 channel layers give a matrix product with 16-64 columns and an inner
dimension of 144-576, which BLAS runs at a third of the machine's speed, while im2col moves as
many bytes as the product computes. Loops that keep 8 x 16 or 8 x 32 partial sums in registers
run these layers, forward and both gradients, at 113-219 GFLOP/s on 2 Intel AVX-512 cores and
57-161 on 2 AMD Zen 4 cores (``benchmarks/conv_layers.py``).
"""

from __future__ import annotations

import math

import numpy as np

from ..geometry import Window
from . import jit, parallel


def _numpy_float32(*arrays) -> bool:
    """True when every array is a NumPy float32 array: what the compiled loops take."""
    return all(type(a).__module__ == "numpy" and a.dtype == np.float32 for a in arrays)


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
    if not _numpy_float32(x, weight):
        return False
    return jit.module("conv_jit") is not None


def pointwise_accepts(x, weight, window: Window, groups: int) -> bool:
    """True for the 1x1 convolutions ``pointwise`` computes: compiled kernels in force, NumPy
    float32, one group, stride 1, no padding, and a product small enough that BLAS would run it
    on one thread (``parallel.SMALL_PRODUCT_MACS``): at batch 1 (MobileNetV2's 34 such layers)
    the compiled loop runs on every core without waking OpenBLAS's threads, whose spinning
    afterwards would take a core from the compiled loops around it. Larger products, where
    BLAS's threads pay, stay BLAS's."""
    if groups != 1 or window.kernel != (1, 1) or window.stride != (1, 1) or any(window.padding):
        return False
    if not _numpy_float32(x, weight):
        return False
    n, c, h, w = x.shape
    if n * h * w * c * weight.shape[0] >= parallel.SMALL_PRODUCT_MACS:
        return False
    return jit.module("conv_jit") is not None


# With numba's threads spinning (``jit.pool_spins``), a 1x1 product of this many multiply-adds
# or more runs on every thread (``pointwise``); with them asleep, every one runs on the calling
# thread, since waking them costs more than the second thread saves. MobileNetV2 at batch 1,
# in-process A/B on 2 Zen 4 cores: spinning, 20.3 ms from 1 M on, 21.5 all on one thread;
# asleep, 23.5 from 1 M on, 22.2 from 8 M on, 21.3 all on one thread.
POINTWISE_SERIAL_MACS = 1 << 20


def pointwise(source, weight):
    """The 1x1 convolution of ``source`` (N, H, W, C), C-contiguous float32, with ``weight``
    (C_out, C, 1, 1) by the compiled loop (``conv_jit.pointwise``): (N, H, W, C_out),
    C-contiguous."""
    kernels = jit.module("conv_jit")
    packed = _pack(kernels, weight, flipped=False)
    n, h, w, c = source.shape
    out_c = weight.shape[0]
    out = np.empty((n, h, w, out_c), dtype=np.float32)
    pixels = n * h * w
    wide = jit.pool_spins() and pixels * c * out_c >= POINTWISE_SERIAL_MACS
    threads = jit.threads() if wide else 1
    by_filters = packed.nbytes > source.nbytes
    flat = (source.reshape(-1), packed.reshape(-1), out.reshape(-1))
    loop = kernels.pointwise[packed.shape[4]]
    jit.run(loop, *flat, pixels, c, out_c, by_filters, threads=threads)
    return out


# At batch 1 without a gradient, a convolution whose filters weigh this many times its input
# or more streams its filters (``stream_forward``) instead of packing them.
STREAM_MIN_RATIO = 8


def stream_accepts(ctx, x, weight, window: Window, groups: int) -> bool:
    """True for the convolutions ``stream_forward`` computes: no gradient recorded (``ctx``),
    one image, one group, no dilation, NumPy float32, compiled kernels in force, and filters
    at least ``STREAM_MIN_RATIO`` times the input's bytes (ResNet-18's last two stages at
    batch 1: 9.4 MB of filters against 0.1 MB of input in the last)."""
    if any(ctx.needs_input_grad) or x.shape[0] != 1 or groups != 1:
        return False
    if window.dilation != (1, 1) or weight.nbytes < STREAM_MIN_RATIO * x.nbytes:
        return False
    if not _numpy_float32(x, weight):
        return False
    return jit.module("conv_jit") is not None


def _phase_axis(size, before, stride, phase, cells):
    """Along one axis of the phase planes: padded cell u·S + phase of an axis of ``size`` cells
    padded by ``before`` holds input cell u·S + phase - before. The (first u, first input cell,
    count) of the u < ``cells`` that hold one."""
    first = max(0, -(-(before - phase) // stride))
    last = min(cells - 1, (before + size - 1 - phase) // stride)
    return first, first * stride + phase - before, max(0, last - first + 1)


def stream_forward(x, weight, bias, window: Window, out_hw):
    """The convolution of one image x (1, C, H, W), any layout, with ``weight`` (C_out, C, F_h,
    F_w) by ``conv_jit.stream_filters``, which reads the filters once where they lie: (1,
    H_out, W_out, C_out), C-contiguous.

    At batch 1 the filters of the late layers outweigh their input many times, and the forward
    loop's copy of them into its own layout (``_pack``) reads and writes them all before the
    loop reads them again. Here the input is what gets laid out, small: with stride S, each
    channel's padded plane is cut into S_h·S_w phase planes, phase (p, r) holding cells (u·S_h +
    p, v·S_w + r), so that every tap (i, j) reads phase (i mod S_h, j mod S_w) from cell (i div
    S_h, j div S_w) on, and output pixel (y, x) at y·W_q + x of it, W_q the phase planes'
    width: one offset per tap, the same run of consecutive cells for every tap. The loop
    computes all H_out·W_q of those cells, and the W_q - W_out past each row's end are dropped.
    ResNet-18's 3x3 512 -> 512 layer on 7x7 at batch 1, 2 AMD Zen 4 cores: 3.5 -> 1.5 ms."""
    kernels = jit.module("conv_jit")
    c, h, w = x.shape[1:]
    out_c, _, kh, kw = weight.shape
    (sh, sw), (top, bottom, left, right) = window.stride, window.padding
    hq, wq = -(-(h + top + bottom) // sh), -(-(w + left + right) // sw)
    plane = hq * wq
    ho, wo = out_hw
    blocks = -(-(ho * wq) // 64)
    i, j = np.arange(kh)[:, None], np.arange(kw)[None, :]
    taps = ((i % sh) * sw + j % sw) * plane + (i // sh) * wq + j // sw  # (F_h, F_w)
    offsets = (np.arange(c)[:, None, None] * (sh * sw * plane) + taps).reshape(-1)
    size = c * sh * sw * plane
    planes = np.zeros(max(size, int(offsets.max()) + 64 * blocks), np.float32)
    phases = planes[:size].reshape(c, sh, sw, hq, wq)
    for p in range(sh):
        u, y, rows = _phase_axis(h, top, sh, p, hq)
        for r in range(sw):
            v, z, cols = _phase_axis(w, left, sw, r, wq)
            if rows and cols:
                source = x[0, :, y : y + (rows - 1) * sh + 1 : sh, z : z + (cols - 1) * sw + 1 : sw]
                phases[:, p, r, u : u + rows, v : v + cols] = source
    out = np.empty(out_c * blocks * 64, np.float32)
    flat = (planes, np.ascontiguousarray(weight).reshape(-1), offsets.astype(np.int64), out)
    jit.run(kernels.stream_filters, *flat, c * kh * kw, blocks, out_c)
    cells = out.reshape(out_c, -1)[:, : ho * wq].reshape(out_c, ho, wq)[:, :, :wo]
    result = np.ascontiguousarray(cells.transpose(1, 2, 0))[None]
    if bias is not None:
        result += bias
    return result


def pad(x_nhwc, padding):
    """``window.pad_image`` in one compiled pass: (N, H, W, C) of any strides → the padded,
    C-contiguous (N, H + top + bottom, W + left + right, C)."""
    top, bottom, left, right = padding
    n, h, w, c = x_nhwc.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=x_nhwc.dtype)
    _place(jit.module("conv_jit"), x_nhwc, out, top, left)
    return out


def _place(compiled, x, out, top, left):
    """``conv_jit.place``: out = x moved down by ``top``, right by ``left`` cells (negative:
    cropped), zeros elsewhere; on every thread from ``jit.MIN_BYTES`` on, else this one."""
    place = compiled.place if out.nbytes >= jit.MIN_BYTES else compiled.place_serial
    jit.run(place, x, out, top, left)


def _pack(kernels, weight, flipped: bool):
    """``weight`` (C_out, C, F_h, F_w) as the compiled loop reads it, in blocks of ``lanes``
    output channels (``conv_jit.pack_filters``); ``flipped``: the filters of the input
    gradient, whose output channels are the layer's input channels."""
    out_c, c, kh, kw = weight.shape
    count, inner = (c, out_c) if flipped else (out_c, c)
    width = lanes(count)
    packed = np.empty((-(-count // width), kh, kw, inner, width), np.float32)
    pack = kernels.pack_filters if packed.nbytes >= jit.MIN_BYTES else kernels.pack_filters_serial
    jit.run(pack, np.ascontiguousarray(weight), packed, flipped)
    return packed


def _correlate(kernels, source, packed, out_c, out_hw, stride, dilation, bias=None):
    """Run the compiled forward loop: ``source`` (N, H, W, C) C-contiguous float32, ``packed``
    filters (``_pack``), optional ``bias`` (C_out,) added as the sums are stored → (N, H_out,
    W_out, C_out) C-contiguous."""
    blocks, block = packed.shape[0], packed.shape[4]
    out = np.empty((source.shape[0], *out_hw, blocks * block), dtype=np.float32)
    place = (0, 0, 1, 1)
    _run_forward(kernels, source, (0, 0), packed, out, out_hw, stride, dilation, place, bias)
    return out if out.shape[3] == out_c else np.ascontiguousarray(out[..., :out_c])


def _run_forward(
    kernels, source, corner, packed, out, out_hw, stride, dilation, out_place, bias=None
):
    """The compiled forward loop over ``source`` (N, H, W, C) C-contiguous from its cell
    ``corner`` = (y, x) on, into ``out`` (N, rows, cols, blocks·lanes) C-contiguous: output
    pixel (y, x) of the H_out x W_out result goes to (y₀ + y·s_y, x₀ + x·s_x), ``out_place``
    = (y₀, x₀, s_y, s_x)."""
    n, height, width, c = source.shape
    blocks, kh, kw, _, block = packed.shape
    # Filter blocks outer when the filters outweigh the input (ResNet-18's last stage at
    # batch 1: 9.4 MB of filters, 0.1 MB of input), else pixel blocks outer.
    by_filters = packed.nbytes > source.nbytes
    geometry = (n, height, width, c, *out_hw, out.shape[3], kh, kw, *stride, *dilation)
    start = (corner[0] * width + corner[1]) * c
    flat = (source.reshape(-1)[start:], packed.reshape(-1), out.reshape(-1))
    spot = (*out.shape[1:3], *out_place)
    values = np.zeros(out.shape[3], np.float32)  # one per computed channel, padding's included
    if bias is not None:
        values[: bias.shape[0]] = bias
    jit.run(kernels.forward[block], *flat, *geometry, by_filters, spot, values)


def forward(ctx, padded, weight, bias, window: Window, out_hw):
    """The convolution of ``padded`` (N, H_pad, W_pad, C), C-contiguous float32, with ``weight``
    (C_out, C, F_h, F_w): the (N, H_out, W_out, C_out) output, C-contiguous."""
    kernels = jit.module("conv_jit")
    packed = _pack(kernels, weight, flipped=False)
    stride, dilation = window.stride, window.dilation
    out = _correlate(kernels, padded, packed, weight.shape[0], out_hw, stride, dilation, bias)
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
        height, width = ctx.x_shape[2:]
        if ctx.window.stride == (1, 1):
            spread = _spread(grad, ctx.window, (height, width))
            # W'[i', j', o, c] = W[o, c, F_h-1-i', F_w-1-j']: flipped, input and output swapped.
            flipped = _pack(ctx.jit_kernels, weight, flipped=True)
            grad_x = _correlate(
                ctx.jit_kernels,
                spread,
                flipped,
                ctx.x_shape[1],
                (height, width),
                (1, 1),
                ctx.window.dilation,
            )
        else:
            grad_x = _input_grad_by_phases(ctx, grad, weight, (height, width))
    return grad_x, grad_w


def _phases(size, out_size, before, kernel, stride, dilation):
    """One axis of a strided layer's input gradient, split by phase (module docstring): for
    each r < S, the padded cells u ≡ r (mod S) of the unpadded input, u = q·S + r, get

        dL/dx_pad[q·S + r] = Σ_t G[q - k₀ - D'·t] W_{i_t}

    over the taps i with i·D ≡ r (mod S), in increasing order: i_t = i₀ + (S/g)·t,
    k₀ = (i₀·D - r)/S, D' = D/g, g = gcd(S, D); a stride-1 correlation of G with those taps
    flipped, dilation D'. Yields (first, taps, D', count, offset, length): the phase's cells
    are x[first::S] (count of them), computed from G padded by ``offset`` before (negative:
    cropped) to ``length`` cells."""
    g = math.gcd(stride, dilation)
    for r in range(stride):
        taps = [i for i in range(kernel) if (i * dilation - r) % stride == 0]
        q_lo = -(-(before - r) // stride)  # the first q with q·S + r ≥ before
        q_hi = (before + size - 1 - r) // stride
        count = q_hi - q_lo + 1
        first = q_lo * stride + r - before
        if count <= 0:
            continue
        if not taps:
            yield first, taps, 1, count, 0, 0
            continue
        k0 = (taps[0] * dilation - r) // stride
        step = dilation // g
        offset = k0 + step * (len(taps) - 1) - q_lo
        yield first, taps, step, count, offset, count + step * (len(taps) - 1)


def _input_grad_by_phases(ctx, grad, weight, in_hw):
    """dL/dx of a strided layer as S_h·S_w stride-1 correlations of G itself, one per phase
    of the input cells (``_phases``), each written straight into its cells of dL/dx: the
    products of the zero-inserted G (``_spread``, S_h·S_w times as many, most of them with
    zeros) are never made. G is padded once, by the most any phase needs."""
    kernels, window = ctx.jit_kernels, ctx.window
    n, c = ctx.x_shape[:2]
    top, _, left, _ = window.padding
    axes = [
        list(_phases(size, out_size, before, *geometry))
        for size, out_size, before, geometry in zip(
            in_hw, grad.shape[1:3], (top, left), zip(window.kernel, window.stride, window.dilation)
        )
    ]
    width = lanes(c)
    padded_c = -(-c // width) * width
    covered = [sum(phase[3] for phase in axis if phase[1]) for axis in axes]
    full = covered == list(in_hw)
    grad_x = (np.empty if full else np.zeros)((n, *in_hw, padded_c), dtype=np.float32)
    # One padded G for every phase: phase p reads it from (pad - offset_p) on.
    pads = [max([0] + [phase[4] for phase in axis if phase[1]]) for axis in axes]
    sizes = [
        max([1] + [pad - phase[4] + phase[5] for phase in axis if phase[1]])
        for pad, axis in zip(pads, axes)
    ]
    source = np.empty((n, *sizes, grad.shape[3]), dtype=np.float32)
    _place(kernels, grad, source, *pads)
    (rows, cols), (pad_h, pad_w) = axes, pads
    sh, sw = window.stride
    for first_h, taps_h, step_h, count_h, offset_h, _ in rows:
        for first_w, taps_w, step_w, count_w, offset_w, _ in cols:
            if not taps_h or not taps_w:
                continue
            flipped = _pack(kernels, weight[:, :, taps_h][:, :, :, taps_w], flipped=True)
            corner = (pad_h - offset_h, pad_w - offset_w)
            out_place = (first_h, first_w, sh, sw)
            _run_forward(
                kernels,
                source,
                corner,
                flipped,
                grad_x,
                (count_h, count_w),
                (1, 1),
                (step_h, step_w),
                out_place,
            )
    return grad_x if padded_c == c else np.ascontiguousarray(grad_x[..., :c])


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
    channels = 16 if block == 16 and c % 16 == 0 and jit.wide_vectors() else 8
    jit.run(kernels.weight_grad[block, channels], *flat, *geometry)
    taps = partial.sum(axis=0).reshape(kh, kw, c, padded_c)[..., :out_c]
    return np.ascontiguousarray(taps.transpose(3, 2, 0, 1))  # (C_out, C, F_h, F_w)


def _spread(grad, window: Window, in_hw):
    """The cells of G_zp (module docstring) that the unpadded input's gradient reads at stride 1:
    (N, H + (F_h-1)·D_h, W + (F_w-1)·D_w, C_out), G padded (or cropped) by the offsets."""
    n, _, _, out_c = grad.shape
    top, _, left, _ = window.padding
    sizes = [size + (k - 1) * d for size, k, d in zip(in_hw, window.kernel, window.dilation)]
    offsets = [
        (k - 1) * d - before for k, d, before in zip(window.kernel, window.dilation, (top, left))
    ]
    out = np.empty((n, *sizes, out_c), dtype=grad.dtype)
    _place(jit.module("conv_jit"), grad, out, *offsets)
    return out
