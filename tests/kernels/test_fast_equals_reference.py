"""The reference code is the spec of every fast kernel: over every configuration a kernel
accepts (shapes, strides, dilation, groups, dtypes, ties and NaNs), the fast path gives the
reference's forward values and every gradient, and a fast kernel really ran."""

from contextlib import contextmanager, nullcontext

import numpy as np
import pytest
from hypothesis import given, settings
from window_configs import conv_configs, pool_configs, ties

import hubel as hb
import hubel.functional as F
from hubel import kernels, nn, optim
from hubel.geometry import Window
from hubel.kernels import blas, jit
from hubel.kernels import conv as conv_kernel
from hubel.kernels import norm as norm_kernel
from hubel.kernels.window import chunks

# Per dtype: how closely fast and reference agree (they sum in different orders).
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-5)}
# The kernels this file compares with the reference: a kernel added to the table needs a test.
SPECIFIED = {
    "conv2d",
    "max_pool2d",
    "batch_norm",
    "batch_norm_eval",
    "relu",
    "adam",
    "sgd",
    "rmsprop",
    "linear",
}


def both_ways(op: str, fn, arrays, dtype=np.float64, exact=False, seed=0):
    """Run ``fn`` on fresh tensors of ``arrays`` under each setting, backward with one random
    upstream gradient; assert fast == reference for the output and every input gradient and
    that the fast run went through ``op``'s kernel. Returns the reference output."""
    results = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            inputs = [hb.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
            out = fn(*inputs)
            used = out._ctx.kernel  # the path this node's forward took (backward frees ctx)
            upstream = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
            out.backward(hb.tensor(upstream))
            results[mode] = [out.detach().numpy()] + [t.grad.numpy() for t in inputs]
        assert used is (kernels.FAST[op] if mode == "fast" else None), f"{op} under {mode}"
    for reference, fast in zip(results["reference"], results["fast"]):
        assert fast.dtype == reference.dtype and fast.shape == reference.shape
        if exact:
            np.testing.assert_array_equal(fast, reference)
        else:
            np.testing.assert_allclose(fast, reference, **TOLERANCE[dtype])
    return results["reference"][0]


def normal(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


# -------------------------------------------------------------------------------- conv2d
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(config=conv_configs())
def test_conv2d_kernel_equals_reference_on_generated_configs(compiled, config):
    """Dense, grouped and depthwise (with channel multipliers), every stride, padding and
    dilation the generator draws, in float64 and float32; with the compiled kernels (float32
    dense convolutions then run ``conv_direct.py``) and without (``conv.py``'s NumPy code)."""
    x_shape, w_shape, bias, options = config
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    with kernels.use_jit(compiled):
        for dtype in (np.float64, np.float32):
            both_ways("conv2d", lambda *t: F.conv2d(*t, **options), normal(*shapes), dtype)


@pytest.mark.parametrize("budget", [2_000, 60_000])
def test_conv2d_kernel_in_pieces_equals_reference(monkeypatch, budget):
    """Above the budgets the kernel's im2col goes in pieces (whole images, or bands of rows of
    one image) and backward rebuilds the columns instead of keeping them."""
    monkeypatch.setattr(conv_kernel, "SAVE_COLS_BYTES", budget)
    monkeypatch.setattr(conv_kernel, "CHUNK_BYTES", budget)
    options = dict(stride=(2, 1), padding=(2, 1), dilation=(1, 2), groups=2)
    arrays = normal((3, 4, 13, 11), (6, 2, 3, 3), (6,))
    both_ways("conv2d", lambda *t: F.conv2d(*t, **options), arrays)


def test_chunks_cover_every_output_row_once():
    pieces = chunks(batch=3, out_hw=(7, 5), row_bytes=100, budget=1_000)
    covered = np.zeros((3, 7), dtype=int)
    for batch, rows in pieces:
        covered[batch, rows] += 1
    assert (covered == 1).all() and len(pieces) == 12  # two-row bands: 4 per image


STRIDE_ONE = [  # (x, W, padding, dilation, groups) of the stride-1 input gradient
    ((2, 3, 6, 5), (4, 3, 3, 3), (1, 1, 1, 1), (1, 1), 1),
    ((3, 2, 7, 6), (5, 2, 3, 2), (2, 2, 0, 0), (2, 3), 1),
    ((2, 3, 5, 8), (2, 3, 1, 4), (0, 0, 3, 3), (1, 1), 1),
    ((2, 32, 5, 4), (4, 16, 3, 3), (1, 1, 1, 1), (1, 1), 2),  # wide groups
    ((1, 4, 4, 4), (3, 4, 1, 1), (0, 0, 0, 0), (1, 1), 1),  # 1x1: one tap, no shift
]


@pytest.mark.parametrize("x_shape, w_shape, padding, dilation, groups", STRIDE_ONE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stride_one_input_gradients_equal_reference_col2im(
    x_shape, w_shape, padding, dilation, groups, dtype
):
    """Both stride-1 input gradients of the kernel (per-tap accumulating BLAS products into
    bands of rows; products on an extended grid added back in long runs) give dL/dx_pad as the
    reference's col2im(G W) does."""
    x, weight = (a.astype(dtype) for a in normal(x_shape, w_shape))
    window = Window(w_shape[2:], (1, 1), padding, dilation)
    top, bottom, left, right = padding
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    with kernels.use("reference"):  # the reference's dL/dx of the padded input
        x_pad = hb.tensor(padded, requires_grad=True)
        out = F.conv2d(x_pad, hb.tensor(weight), dilation=dilation, groups=groups)
        grad = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
        out.backward(hb.tensor(grad))
    expected = x_pad.grad.numpy().transpose(0, 2, 3, 1)
    out_c, c_group, kh, kw = w_shape
    w_taps = weight.reshape(groups, out_c // groups, c_group, kh, kw).transpose(0, 3, 4, 2, 1)
    w_taps = w_taps.reshape(groups, kh * kw, c_group, out_c // groups)
    grad_nhwc = np.ascontiguousarray(grad.transpose(0, 2, 3, 1))
    padded_shape = expected.shape
    shifted = conv_kernel.input_grad_shifted(grad_nhwc, w_taps, padded_shape, window, groups)
    np.testing.assert_allclose(shifted, expected, **TOLERANCE[dtype])
    if blas.usable(grad_nhwc, w_taps):
        taps = conv_kernel.input_grad_taps(grad_nhwc, w_taps, padded_shape, window)
        np.testing.assert_allclose(taps, expected, **TOLERANCE[dtype])


# ---------------------------------------------------------------------------- max_pool2d
@contextmanager
def pool_jit_on(compiled: bool, monkeypatch):
    """The compiled max pool (``pool_jit.py``) for these small arrays too (and checked to
    have run, forward and backward), or no compiled kernels at all (the NumPy kernel)."""
    ran, run = [], jit.run
    if compiled:
        pytest.importorskip("numba")
        monkeypatch.setattr(jit, "SERIAL_BYTES", 0)
        spy = lambda f, *a, threads=None: ran.append(f.__name__) or run(f, *a, threads=threads)  # noqa: E731
        monkeypatch.setattr(jit, "run", spy)
    with kernels.use_jit(compiled), np.errstate(invalid="ignore"):
        yield
    if compiled:
        assert {"max_forward", "max_backward"} <= set(ran), ran


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(config=pool_configs(dilation=True))
def test_max_pool2d_kernel_equals_reference_with_ties(compiled, config):
    """Small integers tie in most windows: values, the cell the gradient goes to, and the
    tie rule (first max) must be the same; float64 and float32."""
    shape, options = config
    with pytest.MonkeyPatch.context() as patch, pool_jit_on(compiled, patch):
        for dtype in (np.float64, np.float32):
            both_ways(
                "max_pool2d", lambda t: F.max_pool2d(t, **options), ties(shape), dtype, exact=True
            )


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=2),  # the 2x2 tournament
        dict(kernel_size=2, stride=1),  # overlapping 2x2 windows
        dict(kernel_size=2, padding=1),  # border windows start in the padding: tap by tap
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_max_pool2d_kernel_equals_reference_with_nans_and_infinities(
    options, dtype, compiled, monkeypatch
):
    x = ties((2, 3, 6, 7), seed=4)[0]
    x[0, 0, 0, 1] = x[0, 1, 2, 2] = x[1, 2, 3, 3] = x[1, 2, 2, 3] = np.nan
    x[1, 0] = -np.inf  # whole planes of -inf: the index points at the first cell inside
    with pool_jit_on(compiled, monkeypatch):
        both_ways("max_pool2d", lambda t: F.max_pool2d(t, **options), [x], dtype, exact=True)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_max_pool2d_kernel_reads_channels_last_views(compiled, monkeypatch):
    conv = nn.Conv2d(3, 4, 3, padding=1).double()
    x = normal((2, 3, 8, 8))
    with pool_jit_on(compiled, monkeypatch):
        both_ways("max_pool2d", lambda t: F.max_pool2d(conv(t), 2), x)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_max_pool2d_kernel_passes_an_infinite_gradient_as_the_reference(compiled, monkeypatch):
    """G·[tap = k]: an infinite upstream gradient gives NaN at the window's other cells in
    the reference's product; the kernels give the same (overlapping and disjoint windows)."""
    x = normal((1, 2, 6, 6))[0]
    for options in (dict(kernel_size=2), dict(kernel_size=3, stride=1)):
        results = []
        for mode in ("reference", "fast"):
            jit_setting = pool_jit_on(compiled, monkeypatch) if mode == "fast" else nullcontext()
            with kernels.use(mode), jit_setting, np.errstate(invalid="ignore"):
                t = hb.tensor(x, requires_grad=True)
                out = F.max_pool2d(t, **options)
                upstream = np.ones(out.shape)
                upstream[0, 1, 0, 0] = np.inf
                out.backward(hb.tensor(upstream))
                results.append(t.grad.numpy())
        np.testing.assert_array_equal(results[1], results[0])


# ---------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("shape", [(6, 4), (5, 3, 7), (3, 32, 4, 4), (4, 1000, 1, 1), (64, 3)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_train_kernel_equals_reference(shape, affine, dtype):
    """(N, C), (N, C, L) and maps; channel counts whose wide rows tile and do not; the
    running statistics updated alike."""
    c = shape[1]
    arrays = normal(shape, (c,), (c,))[: 3 if affine else 1]
    both_ways(
        "batch_norm",
        lambda *t: F.batch_norm(t[0], None, None, *t[1:], training=True),
        arrays,
        dtype,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_train_kernel_updates_the_running_statistics_alike(dtype):
    x = hb.tensor(normal((5, 3, 4, 4))[0].astype(dtype))
    running = {}
    for mode in ("reference", "fast"):
        mean, var = hb.zeros(3, dtype=dtype), hb.ones(3, dtype=dtype)
        with kernels.use(mode):
            for momentum in (0.1, 0.5):
                F.batch_norm(x, mean, var, training=True, momentum=momentum)
        running[mode] = (mean.detach().numpy(), var.detach().numpy())
    for reference, fast in zip(running["reference"], running["fast"]):
        np.testing.assert_allclose(fast, reference, **TOLERANCE[dtype])


def test_batch_norm_train_kernel_reads_channels_last_maps():
    """A conv's output is an NCHW view of channels-last memory: the kernel's (N·H·W, C) view."""
    conv = nn.Conv2d(3, 32, 3, padding=1).double()
    arrays = normal((4, 3, 6, 6), (32,), (32,))
    both_ways("batch_norm", lambda x, w, b: F.batch_norm(conv(x), None, None, w, b, True), arrays)


@pytest.mark.parametrize("shape", [(6, 4), (5, 3, 7), (3, 32, 4, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_eval_kernel_equals_reference(shape, dtype):
    c = shape[1]
    rng = np.random.default_rng(5)
    mean = hb.tensor(rng.standard_normal(c).astype(dtype))
    var = hb.tensor(rng.uniform(0.5, 2.0, c).astype(dtype))
    arrays = normal(shape, (c,), (c,))
    both_ways("batch_norm_eval", lambda *t: F.batch_norm(t[0], mean, var, *t[1:]), arrays, dtype)


@pytest.mark.parametrize("rows", [1, 7, 96, 4096])
@pytest.mark.parametrize("channels", [3, 32, 1000, 2048])
def test_widen_keeps_each_channel_in_its_column(rows, channels):
    """The kernel's per-channel passes go over (M/r, r·C) rows: r divides M, rows stay near
    WIDE_ROW values, and column k·C + c of the wide view is channel c."""
    view = np.arange(rows * channels, dtype=np.float64).reshape(rows, channels)
    wide, r = norm_kernel.widen(view)
    assert rows % r == 0 and wide.shape == (rows // r, r * channels)
    assert r == 1 or r * channels <= norm_kernel.WIDE_ROW
    np.testing.assert_array_equal(norm_kernel.fold(wide.sum(axis=0), r), view.sum(axis=0))
    vector = np.arange(channels, dtype=np.float64)
    tiled = norm_kernel.tile(vector, r)
    np.testing.assert_array_equal((wide - tiled).reshape(view.shape), view - vector)


# ---------------------------------------------------------------------------------- ReLU
@pytest.mark.parametrize("shape", [(7,), (4, 5), (3, 4, 5, 6)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_kernel_equals_reference(shape, dtype):
    x = ties(shape)[0]  # zeros included: the derivative there is 0 on both paths
    both_ways("relu", F.relu, [x], dtype, exact=True)


# ---------------------------------------------------------------------------- optimizers
OPTIMIZERS = [
    ("sgd", optim.SGD, dict(lr=0.1)),
    ("sgd", optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("sgd", optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("adam", optim.Adam, dict(lr=0.01)),
    ("adam", optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("adam", optim.AdamW, dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("rmsprop", optim.RMSprop, dict(lr=0.01)),
    ("rmsprop", optim.RMSprop, dict(lr=0.005, centered=True, momentum=0.9, weight_decay=0.1)),
    ("rmsprop", optim.RMSprop, dict(lr=0.01, maximize=True, momentum=0.5)),
]


@pytest.mark.parametrize("op, optimizer, options", OPTIMIZERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimizer_kernel_equals_reference(op, optimizer, options, dtype):
    """Parameters bigger than one block (rows split unevenly, a long vector, one row wider
    than a block), a scalar and a small map, with non-contiguous gradients, over 4 steps."""
    block = kernels.optim.BLOCK_ELEMENTS
    shapes = [(int(2.3 * block) // 517, 517), (block + 3,), (2, block + 5), (), (40, 3, 3)]
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(4)]
    for step in grads:
        step[0] = np.asfortranarray(step[0])  # e.g. a weight gradient computed as x.T @ g
    final = {}
    for mode in ("reference", "fast"):
        params = [nn.Parameter(v.copy()) for v in start]
        opt = optimizer(params, **options)
        with kernels.use(mode):
            assert (kernels.lookup(op) is not None) == (mode == "fast")
            for step in grads:
                for p, g in zip(params, step):
                    p.grad = hb.tensor(g)
                opt.step()
        final[mode] = [p.detach().numpy() for p in params]
    for reference, fast in zip(final["reference"], final["fast"]):
        np.testing.assert_allclose(fast, reference, **TOLERANCE[dtype])


# -------------------------------------------------------------------------------- linear
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape", [(1, 512), (7, 3, 20), (0, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_kernel_equals_reference_on_small_products(x_shape, bias, dtype):
    """Small products run on one BLAS thread (``kernels/linear.py``), every gradient alike."""
    w_shape = (9, x_shape[-1])
    shapes = [x_shape, w_shape] + ([(9,)] if bias else [])
    both_ways("linear", lambda *t: F.linear(*t), normal(*shapes), dtype)


def test_linear_kernel_keeps_blas_threads_for_large_products(monkeypatch):
    """Only a product under ``parallel.SMALL_PRODUCT_MACS`` is held to one BLAS thread."""
    from hubel.kernels import parallel

    held = []
    monkeypatch.setattr(parallel, "single_threaded_blas", lambda: held.append(1) or nullcontext())
    kernels.use("fast")  # also under make test-reference (conftest restores the mode)
    F.linear(hb.tensor(np.ones((4, 10))), hb.tensor(np.ones((3, 10))))
    assert held == [1]
    monkeypatch.setattr(parallel, "SMALL_PRODUCT_MACS", 100)
    out = F.linear(hb.tensor(np.ones((4, 10))), hb.tensor(np.ones((3, 10)), requires_grad=True))
    assert held == [1] and out._ctx.kernel is kernels.FAST["linear"]
    np.testing.assert_array_equal(out.detach().numpy(), np.full((4, 3), 10.0))


def test_every_fast_kernel_has_a_spec_here():
    assert set(kernels.FAST) == SPECIFIED
