"""The fast conv2d kernel: the reference's im2col and one matrix product (``functional/conv.py``)
reorganised for a CPU, giving the same numbers.

- Channels-last memory throughout (``window.py``); the output is an NCHW view of it.
- Forward: im2col in pieces of at most ``PIECE_BYTES`` (whole images, or bands of rows of one
  image), spread over the threads, each piece's product written straight into the output.
  The columns are kept for the weight gradient up to ``SAVE_COLS_BYTES``, rebuilt above.
- Input gradient, stride 1: per tap one accumulating BLAS product into bands of rows of the
  gradient (``input_grad_taps``, ``blas.py``), or without a usable BLAS, the products on an
  extended grid added back in long contiguous runs (``input_grad_shifted``). Other strides:
  col2im with one strided add per tap.
- Depthwise (one input channel per group): no matrix product to feed, so one ``einsum`` per
  share of the images over the strided window view, forward and backward; compiled loops
  where numba is installed.
- Small 1x1 convolutions (a product BLAS would run on one thread: batch-1 inference): the
  compiled loop of ``conv_direct.pointwise`` on every core, the gradients as above.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..geometry import Window, channels_last, to_nchw
from . import blas, conv_direct, jit, parallel
from .window import (
    CHUNK_BYTES,
    cells,
    chunks,
    col2im,
    col2im_shifted,
    extend_columns,
    im2col,
    pad_image,
    unpad_image,
    windows,
)

SAVE_COLS_BYTES = 256 << 20  # keep im2col for backward up to this size; rebuild it above
# im2col pieces stay well under glibc's mmap threshold (32 MiB, backend.py): then malloc reuses
# the same heap memory every step instead of the kernel mapping (and zeroing) fresh pages.
PIECE_BYTES = 16 << 20
TAPS_MIN_CHANNELS = 16  # grouped convs take the per-tap input gradient when groups are this wide
TAPS_MIN_ROWS = 256  # the per-tap products of the input gradient: blocks of at least this many


def forward(ctx, x, weight, bias, window: Window, groups: int):
    """The conv2d forward (see ``functional/conv.py``) on channels-last memory: im2col in
    pieces spread over the threads, or for depthwise filters one ``einsum`` per share of the
    images. Returns the NCHW view of the (N, H_out, W_out, C_out) output."""
    out_hw = window.output_shape(x.shape[2], x.shape[3], "conv2d")
    ctx.window, ctx.groups, ctx.out_hw, ctx.x_shape = window, groups, out_hw, x.shape
    ctx.weight_shape = weight.shape
    if conv_direct.stream_accepts(ctx, x, weight, window, groups):  # batch-1 inference
        ctx.direct = False  # no gradient is recorded: there is no backward
        return to_nchw(conv_direct.stream_forward(x, weight, bias, window, out_hw))
    ctx.direct = conv_direct.accepts(x, weight, window, groups)
    if ctx.direct:  # compiled direct convolution (numba, the ``fast`` extra)
        padded = conv_direct.pad(x.transpose(0, 2, 3, 1), window.padding)
        return to_nchw(conv_direct.forward(ctx, padded, weight, bias, window, out_hw))
    if groups > 1 and weight.shape[1] == 1:
        out = _depthwise_forward(ctx, x.transpose(0, 2, 3, 1), weight, window, out_hw)
        if bias is not None:
            add_bias(out, bias)
        return to_nchw(out)
    padded = pad_image(x.transpose(0, 2, 3, 1), window.padding)
    if conv_direct.pointwise_accepts(x, weight, window, groups):
        out = _pointwise_forward(ctx, padded, weight, bias, window, out_hw)
    else:
        out = _im2col_forward(ctx, padded, weight, bias, window, out_hw, groups)
    return to_nchw(out)


def add_bias(out, bias) -> None:
    """``out`` (N, H, W, C) += ``bias`` (C,) in place: one compiled pass on the threads
    (``pointwise_jit.add_channels``) for NumPy float32 from ``jit.SERIAL_BYTES`` on, where
    NumPy's ``+=`` runs on one thread; the same bits either way. A folded batch norm's bias on
    a depthwise layer costs as much as the batch norm's own pass did, so this is what makes
    folding pay there at all."""
    if (
        type(out).__module__ == "numpy"
        and out.dtype == np.float32
        and out.flags.c_contiguous
        and out.nbytes >= jit.SERIAL_BYTES
    ):
        compiled = jit.module("pointwise_jit")
        if compiled is not None:
            flat, vector = out.reshape(-1, out.shape[-1]), np.ascontiguousarray(bias, np.float32)
            jit.run(compiled.add_channels, flat, vector, threads=jit.pass_threads(out.nbytes))
            return
    out += bias


def backward(ctx, grad):
    """(dL/dx, dL/dW, dL/db) of ``forward``'s output gradient ``grad``."""
    need_x, need_w = ctx.needs_input_grad[:2]
    need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
    grad = channels_last(grad)  # (N, H_out, W_out, C_out)
    grad_x = None
    if ctx.direct:
        grad_x, grad_w = conv_direct.backward(ctx, grad, need_x, need_w)
        grad_x = None if grad_x is None else to_nchw(grad_x)
    else:
        if ctx.groups > 1 and ctx.weight_shape[1] == 1:
            grad_padded, grad_w = _depthwise_backward(ctx, grad, need_x, need_w)
        else:
            grad_padded, grad_w = _im2col_backward(ctx, grad, need_x, need_w)
        if need_x:
            n, c, h, w = ctx.x_shape
            grad_x = to_nchw(unpad_image(grad_padded, ctx.window.padding, (n, h, w, c)))
    grad_b = None
    if need_b:
        xp = get_array_module(grad)
        grad_b = sum(parallel.over_batch(lambda s: xp.einsum("nhwc->c", grad[s]), grad))
    return grad_x, grad_w, grad_b


def _pieces(n, out_hw, row_bytes, budget):
    """The (batch slice, output-row slice) pieces of the im2col work: ``chunks`` of at most
    ``budget`` bytes, or ``PIECES_PER_THREAD`` shares per thread when that makes more."""
    pieces = chunks(n, out_hw, row_bytes, budget)
    if pieces[0][1] != slice(0, out_hw[0]):  # bands of rows: an image is over the budget
        return pieces
    image_bytes = out_hw[0] * out_hw[1] * row_bytes
    shares = parallel.shares_of(n, image_bytes, parallel.PIECES_PER_THREAD)
    if len(shares) > len(pieces):
        return [(batch, slice(0, out_hw[0])) for batch in shares]
    return pieces


def _im2col_forward(ctx, padded, weight, bias, window, out_hw, groups):
    xp = get_array_module(padded)
    out_c, c_group, kh, kw = weight.shape
    n, wo = padded.shape[0], out_hw[1]
    # Filters as columns, per group: (C_out, C/g, F_h, F_w) → (g, F_h·F_w·C/g, C_out/g), rows
    # ordered (i, j, c) like the im2col columns.
    w_cols = weight.reshape(groups, out_c // groups, c_group, kh, kw).transpose(0, 3, 4, 2, 1)
    # NOTE: for 1x1 kernels this stays a transposed view, which BLAS reads as it is: copying
    # it would cost more than the product itself at batch 1 (ResNet-50: 44 of 100 ms).
    w_cols = w_cols.reshape(groups, kh * kw * c_group, out_c // groups)
    row_bytes = kh * kw * padded.shape[3] * padded.itemsize
    need_w = ctx.needs_input_grad[1]
    keep_cols = need_w and n * out_hw[0] * wo * row_bytes <= SAVE_COLS_BYTES
    budget = min(PIECE_BYTES, SAVE_COLS_BYTES if keep_cols else CHUNK_BYTES)
    pieces = _pieces(n, out_hw, row_bytes, budget)
    out = xp.empty((n, *out_hw, out_c), dtype=padded.dtype)

    def piece_forward(piece):
        batch, rows = piece
        piece_hw = (rows.stop - rows.start, wo)
        cols = im2col(padded[batch, window.input_rows(rows)], window, piece_hw, groups)
        # Write the product straight into the output: each piece is a contiguous block of it.
        target = out[batch, rows].reshape(-1, groups, out_c // groups).transpose(1, 0, 2)
        xp.matmul(cols, w_cols, out=target)
        return cols if keep_cols else None

    if len(pieces) == 1:  # one product on this thread: on one BLAS thread when it is small
        macs = n * out_hw[0] * wo * (row_bytes // padded.itemsize) * (out_c // groups)
        with parallel.product_threads(macs):
            cols = [piece_forward(pieces[0])]
    else:
        cols = parallel.run(piece_forward, pieces)
    if bias is not None:
        # One pass over the whole output: adding it block by block between the products
        # made them smaller (a folded MobileNet v1's 1x1 layers at batch 64: 0.94x the
        # unfolded model's speed, 1.02x this way).
        add_bias(out, bias)
    ctx.w_cols, ctx.pieces, ctx.padded_shape = w_cols, pieces, padded.shape
    # dL/dW needs the columns: keep them when small, else keep the padded input and rebuild.
    if keep_cols:
        ctx.save_for_backward(None, cols)
    else:
        ctx.save_for_backward(padded if need_w else None, None)
    return out


def _pointwise_forward(ctx, padded, weight, bias, window, out_hw):
    """A small 1x1 convolution by the compiled loop (``conv_direct.pointwise``), set up for
    ``_im2col_backward`` as ``_im2col_forward`` would: a 1x1 window's columns are the input
    itself (a view, no copy), one piece."""
    out = conv_direct.pointwise(padded, weight)
    if bias is not None:
        add_bias(out, bias)
    n, out_c = padded.shape[0], weight.shape[0]
    ctx.w_cols = weight.reshape(1, out_c, -1).transpose(0, 2, 1)  # (1, C, C_out), a view
    ctx.pieces, ctx.padded_shape = [(slice(0, n), slice(0, out_hw[0]))], padded.shape
    cols = [im2col(padded, window, out_hw)] if ctx.needs_input_grad[1] else None
    ctx.save_for_backward(None, cols)
    return out


def _im2col_backward(ctx, grad, need_x, need_w):
    xp = get_array_module(grad)
    padded, saved_cols = ctx.saved_tensors
    window, groups, w_cols, wo = ctx.window, ctx.groups, ctx.w_cols, ctx.out_hw[1]
    out_c, c_group, kh, kw = ctx.weight_shape
    w_taps = w_cols.reshape(groups, kh * kw, c_group, -1)  # (g, tap, C/g, C_out/g)
    shifted = need_x and window.stride == (1, 1)

    def piece_grad_w(index):
        batch, rows = ctx.pieces[index]
        g = grad[batch, rows].reshape(-1, groups, w_cols.shape[2]).transpose(1, 0, 2)
        if saved_cols is not None:
            cols = saved_cols[index]
        else:
            piece_hw = (rows.stop - rows.start, wo)
            cols = im2col(padded[batch, window.input_rows(rows)], window, piece_hw, groups)
        return cols.transpose(0, 2, 1) @ g

    grad_w = None
    if need_w:
        grad_w_cols = sum(parallel.run(piece_grad_w, range(len(ctx.pieces))))
        grad_w = grad_w_cols.reshape(groups, kh, kw, c_group, out_c // groups)
        grad_w = grad_w.transpose(0, 4, 3, 1, 2).reshape(ctx.weight_shape)
    grad_padded = None
    if shifted and blas.usable(grad, w_taps) and (groups == 1 or c_group >= TAPS_MIN_CHANNELS):
        grad_padded = input_grad_taps(grad, w_taps, ctx.padded_shape, window)
    elif shifted:
        grad_padded = input_grad_shifted(grad, w_taps, ctx.padded_shape, window, groups)
    elif need_x:
        # NOTE: pieces may be overlapping bands of one image: these adds stay on one thread.
        grad_padded = xp.zeros(ctx.padded_shape, dtype=grad.dtype)
        for batch, rows in ctx.pieces:
            in_rows, piece_hw = window.input_rows(rows), (rows.stop - rows.start, wo)
            g = grad[batch, rows].reshape(-1, groups, w_cols.shape[2]).transpose(1, 0, 2)
            col2im(_tap_columns(g, w_taps), grad_padded[batch, in_rows], window, piece_hw)
    return grad_padded, grad_w


def input_grad_taps(grad, w_taps, padded_shape, window):
    """dL/dx_pad for a stride-1 convolution, (N, H_pad, W_pad, C): per tap, one product added
    straight into the gradient (BLAS with beta = 1, ``blas.py``), no column matrix.

    Number the cells of the padded images one after another, q = (n·H_pad + row)·W_pad + col,
    and put the upstream gradient G on that grid (output (y, x) at cell q = (n·H_pad + y)·W_pad
    + x, zeros on the cells no output sits on). Tap (i, j) of the output at q read the input
    cell q + s with s = i·D_h·W_pad + j·D_w, so

        dL/dx_pad[q] = Σ_taps G[q - s] W_tapᵀ

    and each term is a band of G's rows, shifted by s, times a small matrix. A band never
    reaches into another image: G is zero wherever a tap would step past its image's edge.
    Work goes a few images at a time (split over the threads): G is put on their grid, then
    every tap adds into blocks of rows small enough to stay in cache meanwhile.
    """
    xp = get_array_module(grad)
    n, height, width, c = padded_shape
    groups, _, c_group, out_group = w_taps.shape
    ho, wo, out_c = grad.shape[1:]
    cells = height * width
    (dh, dw), taps = window.dilation, list(window.taps())
    shifts = [i * dh * width + j * dw for _, i, j in taps]
    lead = max(shifts)  # zero rows before the first image: every tap's band starts inside
    w_taps = xp.ascontiguousarray(w_taps)  # (g, tap, C/g, C_out/g): W_tapᵀ is its transpose
    flat = xp.empty((n * cells, c), dtype=grad.dtype)
    rows = max(TAPS_MIN_ROWS, parallel.BLOCK_BYTES // (c * grad.itemsize))
    per = max(1, rows // cells)  # images per work item: G on the grid is built, then used

    def item(images):
        count = images.stop - images.start
        if (ho, wo) == (height, width):  # no padding and a 1x1 span: G is its own grid
            grid = grad[images].reshape(-1, out_c)
        else:
            grid = xp.empty((lead + count * cells, out_c), dtype=grad.dtype)
            grid[:lead] = 0
            local = grid[lead:].reshape(count, height, width, out_c)
            local[:, ho:] = 0
            local[:, :ho, wo:] = 0
            local[:, :ho, :wo] = grad[images]
        target = flat[images.start * cells : images.stop * cells]
        for start in range(0, count * cells, rows):
            stop = min(count * cells, start + rows)
            for g in range(groups):
                out = target[start:stop, g * c_group : (g + 1) * c_group]
                for index, shift in enumerate(shifts):
                    band = grid[lead + start - shift : lead + stop - shift]
                    band = band[:, g * out_group : (g + 1) * out_group]
                    blas.gemm(band, w_taps[g, index], out, trans_b=True, accumulate=index > 0)

    parallel.run(item, [slice(i, min(i + per, n)) for i in range(0, n, per)])
    return flat.reshape(n, height, width, c)


def input_grad_shifted(grad, w_taps, padded_shape, window, groups):
    """dL/dx_pad for a stride-1 convolution, (N, H_pad, W_pad, C), by ``col2im_shifted``: the
    upstream gradient gets the padded width (zero columns on the right), each tap's product
    G W_kᵀ comes out on that extended grid and goes back with contiguous adds. Each thread
    takes a share of the images, a few at a time (one product stays under ``CHUNK_BYTES``)."""
    xp = get_array_module(grad)
    n, height, width, c = padded_shape
    cells, out_c = height * width, grad.shape[3]
    flat = xp.empty((n * cells, c), dtype=grad.dtype)
    image_bytes = grad.shape[1] * width * max(c, out_c) * grad.itemsize
    per = max(1, CHUNK_BYTES // image_bytes)

    def share_grad(images):
        for start in range(images.start, images.stop, per):
            stop = min(images.stop, start + per)
            extended = extend_columns(grad[start:stop], width)
            g = extended.reshape(-1, groups, out_c // groups).transpose(1, 0, 2)
            target = flat[start * cells : stop * cells]
            col2im_shifted(_tap_columns(g, w_taps), target, window, (height, width))

    parallel.run(share_grad, parallel.shares_of(n, image_bytes, parallel.PIECES_PER_THREAD))
    return flat.reshape(n, height, width, c)


def _tap_columns(grad, w_taps):
    """Column gradient G Wᵀ one tap block at a time: block k is G W_kᵀ, (N·H_out·W_out, C)."""

    def block(k):
        product = grad @ w_taps[:, k].transpose(0, 2, 1)  # (g, M, C_out/g) @ (g, C_out/g, C/g)
        if product.shape[0] == 1:
            return product[0]
        return product.transpose(1, 0, 2).reshape(product.shape[1], -1)

    return block


def _depthwise_forward(ctx, x_nhwc, weight, window, out_hw):
    """One input channel per group: out[..., o] = Σ_{i,j} x_pad[tap (i, j)][..., o] · W[o, 0, i, j].

    One ``einsum`` over the strided window view of the padded input (no im2col copy: with one
    channel per group there is no matrix product to feed), or a compiled loop; the blocked one
    reads the input unpadded, so no padded copy is made (``_depthwise_unpadded``). A channel
    multiplier m = C_out / C_in > 1 repeats each input channel m times first, so output
    channel o reads input channel o // m, as in PyTorch's grouping.
    """
    xp = get_array_module(x_nhwc)
    multiplier = weight.shape[0] // x_nhwc.shape[3]
    # NOTE: einsum is 4x slower when an operand is a transposed view: make the taps contiguous.
    taps = xp.ascontiguousarray(weight[:, 0].transpose(1, 2, 0))  # (F_h, F_w, C_out)
    ctx.multiplier = multiplier
    n, c_out = x_nhwc.shape[0], weight.shape[0]
    out = xp.empty((n, *out_hw, c_out), dtype=x_nhwc.dtype)
    source = x_nhwc
    if not source.flags.c_contiguous:  # NCHW memory: a transposing copy, on every thread
        source = xp.empty(x_nhwc.shape, dtype=x_nhwc.dtype)
        parallel.over_batch(lambda s: xp.copyto(source[s], x_nhwc[s]), source)
    if multiplier > 1:
        source = xp.repeat(source, multiplier, axis=3)
    ctx.unpadded = _depthwise_unpadded(source, taps, out, window)
    if ctx.unpadded:  # the backward pads it, if it needs the weight gradient
        ctx.save_for_backward(source, taps)
        return out
    padded = pad_image(source, window.padding)
    ctx.save_for_backward(padded, taps)
    if _depthwise_compiled(padded, taps, out, window):
        return out

    def share(s):  # images split over the threads
        xp.einsum("nhwijc,ijc->nhwc", windows(padded[s], window, out_hw), taps, out=out[s])

    parallel.over_batch(share, padded)
    return out


def _depthwise_unpadded(x, taps, out, window) -> bool:
    """``out`` = the depthwise correlation of x (N, H, W, C) zero-padded by ``window``, by the
    blocked loop reading x where it lies (``conv_jit.depthwise_blocked`` skips the taps on the
    padding), when the compiled kernels are in force and take these arrays: NumPy float32,
    C-contiguous, up to 7 x 7 taps, all finite (a skipped term is 0 · tap, which is ±0 only
    for a finite tap); False (nothing done) otherwise. Padding a MobileNetV2 forward's
    depthwise inputs took 0.8-1.2 ms of its ~19 at batch 1; skipping the padding's taps costs
    the loop 0.35 ms of it back (the border blocks), so the forward gains little: 18.55 -> 18.45
    ms with hubel's sleeping threads, 15.14 -> 14.64 with PyTorch's OpenMP runtime (in-process
    A/B, medians of 30 rounds, 2 AMD Zen 4 cores). Training also skips the padded copy of G
    for dL/dx."""
    if type(x).__module__ != "numpy" or x.dtype != np.float32 or taps.dtype != np.float32:
        return False
    compiled = jit.module("conv_jit")
    kh, kw = taps.shape[:2]
    if compiled is None or kh * kw > compiled.DEPTHWISE_MAX_TAPS:
        return False
    if not (x.flags.c_contiguous and taps.flags.c_contiguous and np.isfinite(taps).all()):
        return False
    top, _, left, _ = window.padding
    _run_blocked(compiled, x, taps, out, window, top, left)
    return True


def _run_blocked(compiled, x, taps, out, window, top, left):
    """``conv_jit.depthwise_blocked`` over x padded by ``top`` rows and ``left`` columns."""
    kh, kw = taps.shape[:2]
    n, h, w, c = x.shape
    flat = (x.reshape(-1), taps.reshape(-1), out.reshape(-1))
    sizes = (n, h, w, c, *out.shape[1:3])
    geometry = (*window.stride, *window.dilation, top, left)
    threads = jit.pass_threads(out.nbytes * kh * kw)
    jit.run(compiled.depthwise_blocked(kh, kw), *flat, *sizes, *geometry, threads=threads)


def _depthwise_compiled(padded, taps, out, window) -> bool:
    """``out`` = the depthwise correlation of ``padded`` with ``taps`` by a compiled loop when
    the compiled kernels are in force and take these arrays (NumPy, float32 or float64,
    C-contiguous); False (nothing done) otherwise. float32 with up to 7 x 7 taps: the register
    blocked loop (``conv_jit.depthwise_blocked``), else the general ``conv_jit.depthwise``.
    All threads once the products reach ``jit.MIN_BYTES`` of output times taps, else the
    calling thread."""
    if type(padded).__module__ != "numpy" or padded.dtype not in (np.float32, np.float64):
        return False
    if not (padded.flags.c_contiguous and taps.flags.c_contiguous) or taps.dtype != padded.dtype:
        return False
    compiled = jit.module("conv_jit")
    if compiled is None:
        return False
    kh, kw = taps.shape[:2]
    if padded.dtype == np.float32 and kh * kw <= compiled.DEPTHWISE_MAX_TAPS:
        _run_blocked(compiled, padded, taps, out, window, 0, 0)
        return True
    threads = jit.pass_threads(out.nbytes * kh * kw)
    geometry = (*window.stride, *window.dilation)
    jit.run(compiled.depthwise, padded, taps, out, *geometry, threads=threads)
    return True


def _depthwise_backward(ctx, grad, need_x, need_w):
    """dL/dW[c, i, j] = Σ_{n,y,x} x_pad[window (i, j)] · G;  dL/dx_pad: with stride 1 it is
    again a depthwise correlation, of G padded by the kernel's span - 1 with the flipped
    kernel (a "transposed convolution"); with larger strides, one strided add per tap."""
    xp = get_array_module(grad)
    padded, taps = ctx.saved_tensors
    window, out_hw = ctx.window, ctx.out_hw
    top, bottom, left, right = window.padding
    n, h, w, c = padded.shape
    padded_shape = (n, h + top + bottom, w + left + right, c) if ctx.unpadded else padded.shape
    if ctx.unpadded and need_w:  # the forward read the input unpadded (``_depthwise_unpadded``)
        padded = pad_image(padded, window.padding)
    grad_w = None
    if need_w:

        def share_w(s):
            return xp.einsum("nhwijc,nhwc->ijc", windows(padded[s], window, out_hw), grad[s])

        grad_taps = sum(parallel.over_batch(share_w, padded))
        grad_w = grad_taps.transpose(2, 0, 1).reshape(ctx.weight_shape)
    if not need_x:
        return None, grad_w
    if window.stride == (1, 1):
        (span_h, span_w), dilation = window.span, window.dilation
        flipped = Window(window.kernel, (1, 1), (span_h - 1,) * 2 + (span_w - 1,) * 2, dilation)
        flipped_taps = xp.ascontiguousarray(taps[::-1, ::-1])
        grad_padded = xp.empty(padded_shape, dtype=grad.dtype)
        if not _depthwise_unpadded(xp.ascontiguousarray(grad), flipped_taps, grad_padded, flipped):
            grad_pad = pad_image(grad, flipped.padding)

            def share_x(s):
                view = windows(grad_pad[s], flipped, padded_shape[1:3])
                xp.einsum("nhwijc,ijc->nhwc", view, flipped_taps, out=grad_padded[s])

            if not _depthwise_compiled(grad_pad, flipped_taps, grad_padded, flipped):
                parallel.over_batch(share_x, grad_padded)
    else:
        grad_padded = xp.zeros(padded_shape, dtype=grad.dtype)

        def share_x(s):
            target, g = grad_padded[s], grad[s]
            for _, i, j in window.taps():
                target[cells(window, i, j, out_hw)] += g * taps[i, j]

        parallel.over_batch(share_x, grad_padded)
    if ctx.multiplier > 1:  # undo the repeat: sum the copies of each channel
        grad_padded = grad_padded.reshape(*grad_padded.shape[:3], -1, ctx.multiplier).sum(axis=4)
    return grad_padded, grad_w
