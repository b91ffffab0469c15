"""The compiled direct convolution (``kernels/conv_direct.py`` + ``conv_jit.py``, numba) equals
the reference: forward, dL/dx, dL/dW and dL/db over every dense configuration it accepts, and
the switches that turn it off really do."""

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from window_configs import conv_configs

import hubel as hb
import hubel.functional as F
from hubel import kernels
from hubel.kernels import conv_direct, jit, parallel

pytest.importorskip("numba")

TOLERANCE = dict(rtol=2e-5, atol=2e-5)  # float32, summed in another order than the reference


def run(arrays, options, mode, use_jit=True, seed=0):
    """Output and every gradient of conv2d under ``mode``; and whether the direct kernel ran."""
    with kernels.use(mode), kernels.use_jit(use_jit):
        inputs = [hb.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
        out = F.conv2d(*inputs, **options)
        direct = getattr(out._ctx, "direct", False)
        upstream = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32)
        out.backward(hb.tensor(upstream))
        return [out.detach().numpy()] + [t.grad.numpy() for t in inputs], direct


def assert_direct_equals_reference(shapes, options, seed=0):
    """Within float32 rounding of sums of up to ``terms`` products (atol grows with them:
    4.5e-5 seen on 864-term sums of standard normals)."""
    (_, c, *_), (out_c, _, kh, kw) = shapes[:2]
    terms = max(c, out_c) * kh * kw
    tolerance = dict(rtol=TOLERANCE["rtol"], atol=max(TOLERANCE["atol"], 1.5e-7 * terms))
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    reference, _ = run(arrays, options, "reference")
    fast, direct = run(arrays, options, "fast")
    assert direct, "the direct kernel did not run"
    for ref, got in zip(reference, fast):
        assert got.dtype == ref.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, **tolerance)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(conv_configs())
def test_direct_conv_equals_reference_on_generated_dense_configs(config):
    """Kernels 2-7 and non-square, strides 1-3, padding 0-3, dilation 1-3, batch 1-3, 1-4
    channels in and out (all far from a multiple of 16: the zero-filter padding)."""
    x_shape, w_shape, bias, options = config
    if options["groups"] != 1 or w_shape[2:] == (1, 1):
        return  # grouped and 1x1 convolutions are not this kernel's (tested in conv.py's file)
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    assert_direct_equals_reference(shapes, options)


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((4, 16, 12, 12), (16, 16, 3, 3), dict(padding=1)),  # ResNet-20's first stage
        ((3, 16, 12, 12), (32, 16, 3, 3), dict(stride=2, padding=1)),  # its downsampling
        ((2, 64, 5, 5), (64, 64, 3, 3), dict(padding=1)),  # 8 pixel blocks cross images
        ((1, 3, 23, 23), (64, 3, 7, 7), dict(stride=2, padding=3)),  # ResNet-18's stem
        ((2, 12, 9, 10), (24, 12, 3, 3), dict(padding="same", dilation=2)),
        ((2, 20, 8, 7), (40, 20, 1, 5), dict(padding=(0, 2))),  # non-square, C % 8 != 0
        ((2, 8, 6, 6), (16, 8, 2, 2), dict(padding="same")),  # even kernel: uneven padding
        ((1, 16, 4, 4), (16, 16, 3, 3), dict(padding=3)),  # padding wider than the span
        ((2, 9, 7, 7), (17, 9, 3, 3), dict(stride=3)),  # C_out one past a multiple of 16
        ((3, 32, 7, 7), (32, 32, 3, 3), dict(padding=1)),  # 32 lanes both ways, 147 pixels
        ((2, 32, 9, 9), (64, 32, 3, 3), dict(stride=2, padding=1)),  # ResNet-20's second
        ((1, 48, 6, 6), (96, 48, 3, 3), dict(padding=1)),  # 3 blocks of 32; dL/dx: 16 lanes
        # ResNet-18's last stage at batch 1: filters over jit.MIN_BYTES, packed in parallel
        ((1, 256, 4, 4), (512, 256, 3, 3), dict(padding=1)),
    ],
)
@pytest.mark.parametrize("wide", [False, True], ids=["16-lane", "32-lane"])
def test_direct_conv_equals_reference_on_network_shapes(
    x_shape, w_shape, options, wide, monkeypatch
):
    """Both register blockings: 16 lanes (every CPU) and 32 (AVX-512 only, where it exists)."""
    if wide and not jit.wide_vectors():
        pytest.skip("this CPU has no AVX-512: the 32-lane loops are not used here")
    monkeypatch.setattr(jit, "_wide", wide)
    assert conv_direct.lanes(32) == (32 if wide else 16)
    assert_direct_equals_reference([x_shape, w_shape, (w_shape[0],)], options)


def packed_by_definition(w, lanes, flipped):
    """``conv_jit.pack_filters``' layout written from its definition, one lane at a time."""
    out_c, c, kh, kw = w.shape
    count, inner = (c, out_c) if flipped else (out_c, c)
    out = np.zeros((-(-count // lanes), kh, kw, inner, lanes), np.float32)
    for lane in range(count):
        filters = w[:, lane, ::-1, ::-1] if flipped else w[lane]  # (inner, F_h, F_w)
        out[lane // lanes, :, :, :, lane % lanes] = filters.transpose(1, 2, 0)
    return out


@pytest.mark.parametrize(
    "w_shape",
    [
        (512, 512, 3, 3),  # 9.4 MB: every value through the 16 x 16 register transpose
        (64, 3, 7, 7),  # 147 values per lane: 9 whole blocks of 16 and a tail of 3
        (48, 33, 3, 3),  # 48 lanes: 1.5 blocks of 32, 3 of 16
        (17, 5, 1, 1),  # fewer than 16 values per lane, C_out one past 16
        (40, 7, 2, 2),
        (96, 16, 3, 1),
    ],
)
@pytest.mark.parametrize("flipped", [False, True], ids=["filters", "flipped"])
@pytest.mark.parametrize("lanes", [16, 32])
def test_pack_filters_lays_out_every_filter_value(w_shape, flipped, lanes):
    """Both the parallel and the one-thread copy, over NaN-filled output (every value is
    written, the zero lanes past C_out included)."""
    w = np.random.default_rng(0).standard_normal(w_shape).astype(np.float32)
    expected = packed_by_definition(w, lanes, flipped)
    compiled = jit.module("conv_jit")
    for pack in (compiled.pack_filters, compiled.pack_filters_serial):
        out = np.full(expected.shape, np.nan, np.float32)
        pack(w, out, flipped)
        np.testing.assert_array_equal(out, expected)


def test_wide_loops_use_512_bit_registers_on_an_avx512_cpu():
    """The function attribute set in ``conv_jit._vector`` reaches LLVM: the 32-lane forward
    loop's machine code works in zmm (512-bit) registers, the 16-lane one too."""
    if not jit.wide_vectors():
        pytest.skip("this CPU has no AVX-512")
    import numba

    compiled = jit.module("conv_jit")
    for lanes in (16, 32):
        # compiled afresh (machine code loaded from numba's cache has no assembly to show)
        loop = numba.njit(parallel=True, fastmath=True)(compiled.forward[lanes].py_func)
        x, w, out = (np.zeros(size, np.float32) for size in (4 * 4 * 4, 9 * 4 * lanes, lanes))
        place, no_bias = (1, 1, 0, 0, 1, 1), np.zeros(lanes, np.float32)
        loop(x, w, out, 1, 4, 4, 4, 1, 1, lanes, 3, 3, 1, 1, 1, 1, False, place, no_bias)
        asm = "".join(loop.inspect_asm().values())
        assert "vfmadd231ps" in asm and "zmm" in asm, lanes


@pytest.mark.parametrize(
    "x_shape, out_c, options",
    [
        ((2, 16, 9, 9), 16, dict(padding=1)),  # 16 lanes
        ((2, 8, 9, 7), 64, dict(padding=1)),  # 32 lanes on an AVX-512 CPU
        ((3, 5, 8, 8), 21, dict(stride=2, padding=1)),  # padding filters past C_out
        ((1, 4, 7, 7), 5, dict(dilation=2)),
    ],
)
def test_bias_added_in_the_loop_gives_the_separate_passs_bits(
    compiled_calls, x_shape, out_c, options
):
    """The forward loop adds the bias as it stores each sum: the same bits as adding it to
    the finished sums afterwards (what it replaced), and the reference to rounding."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((out_c, x_shape[1], 3, 3)).astype(np.float32)
    b = rng.standard_normal(out_c).astype(np.float32)
    results = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            with_bias = F.conv2d(hb.tensor(x), hb.tensor(w), hb.tensor(b), **options)
            without = F.conv2d(hb.tensor(x), hb.tensor(w), **options)
        assert compiled_calls.count("forward") == (2 if mode == "fast" else 0)
        results[mode] = with_bias.numpy(), without.numpy()
    fast_with, fast_without = results["fast"]
    np.testing.assert_array_equal(fast_with, fast_without + b.reshape(-1, 1, 1))
    np.testing.assert_allclose(fast_with, results["reference"][0], **TOLERANCE)


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((2, 24, 9, 9), (24, 1, 3, 3), dict(padding=1, groups=24)),  # depthwise
        ((1, 16, 6, 6), (40, 16, 1, 1), dict()),  # 1x1 at batch 1 (conv_direct.pointwise)
        ((3, 16, 8, 8), (24, 16, 1, 1), dict(stride=2)),  # im2col + BLAS
        ((2, 8, 7, 7), (12, 4, 3, 3), dict(padding=1, groups=2)),  # grouped: im2col + BLAS
    ],
)
def test_bias_of_layers_outside_the_direct_loop_is_one_compiled_pass(
    compiled_calls, monkeypatch, x_shape, w_shape, options
):
    """``conv.add_bias``: the compiled pass gives NumPy's ``+=`` bits, and the reference's
    numbers to rounding."""
    monkeypatch.setattr(jit, "SERIAL_BYTES", 0)
    rng = np.random.default_rng(5)
    x, w = (rng.standard_normal(s).astype(np.float32) for s in (x_shape, w_shape))
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    with kernels.use("fast"):
        with_bias = F.conv2d(hb.tensor(x), hb.tensor(w), hb.tensor(b), **options).numpy()
        assert compiled_calls.count("add_channels") == 1
        without = F.conv2d(hb.tensor(x), hb.tensor(w), **options).numpy()
    np.testing.assert_array_equal(with_bias, without + b.reshape(-1, 1, 1))
    with kernels.use("reference"):
        reference = F.conv2d(hb.tensor(x), hb.tensor(w), hb.tensor(b), **options).numpy()
    np.testing.assert_allclose(with_bias, reference, **TOLERANCE)


def test_direct_conv_takes_only_what_it_accepts():
    """float64, 1x1 and grouped convolutions stay on the NumPy kernel (conv.py)."""
    x32 = np.zeros((1, 4, 5, 5), np.float32)
    window = F.conv.conv_window(3, 1, 1, 1, "conv2d")
    assert conv_direct.accepts(x32, np.zeros((4, 4, 3, 3), np.float32), window, 1)
    assert not conv_direct.accepts(x32.astype(np.float64), np.zeros((4, 4, 3, 3)), window, 1)
    assert not conv_direct.accepts(x32, np.zeros((4, 2, 3, 3), np.float32), window, 2)
    one = F.conv.conv_window(1, 1, 0, 1, "conv2d")
    assert not conv_direct.accepts(x32, np.zeros((4, 4, 1, 1), np.float32), one, 1)


def test_use_jit_false_runs_the_numpy_kernel_with_the_same_numbers():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 16, 9, 9)), rng.standard_normal((16, 16, 3, 3))]
    compiled, direct = run(arrays, dict(padding=1), "fast")
    numpy_kernel, direct_off = run(arrays, dict(padding=1), "fast", use_jit=False)
    assert direct and not direct_off
    assert kernels.jit_active()
    with kernels.use_jit(False):
        assert not kernels.jit_active()
    for a, b in zip(compiled, numpy_kernel):
        np.testing.assert_allclose(a, b, **TOLERANCE)


def test_use_jit_refuses_a_non_bool():
    with pytest.raises(TypeError, match="use_jit: enabled must be True or False, got 'no'"):
        kernels.use_jit("no")


def test_one_thread_and_two_give_the_same_weight_gradient():
    """dL/dW is summed per thread, then added: the split must not change the sum."""
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((3, 16, 10, 10)), rng.standard_normal((16, 16, 3, 3))]
    threads = hb.get_num_threads()
    try:
        hb.set_num_threads(1)
        one, _ = run(arrays, dict(padding=1), "fast")
        hb.set_num_threads(2)
        two, _ = run(arrays, dict(padding=1), "fast")
    finally:
        hb.set_num_threads(threads)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, **TOLERANCE)


def test_a_forked_child_runs_the_numpy_kernels():
    """An OpenMP pool does not survive fork: a child of a process whose compiled kernels ran
    must not enter them (it would hang), and gets the NumPy kernel's numbers."""
    run([np.ones((1, 8, 5, 5)), np.ones((8, 8, 3, 3))], dict(padding=1), "fast")
    assert jit.jit_active()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report, never return into pytest
        try:
            _, direct = run([np.ones((1, 8, 5, 5)), np.ones((8, 8, 3, 3))], {}, "fast")
            os.write(write, f"{jit.jit_active()} {direct}".encode())
        finally:
            os._exit(0)
    os.close(write)
    report = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert report == "False False"


def test_hubel_jit_0_keeps_numba_out_of_the_process():
    code = (
        "import sys, numpy as np, hubel as hb\n"
        "x = hb.tensor(np.ones((1, 8, 6, 6), np.float32))\n"
        "hb.nn.functional.conv2d(x, hb.tensor(np.ones((8, 8, 3, 3), np.float32)))\n"
        "print(hb.kernels.jit_active(), 'numba' in sys.modules)\n"
    )
    env = dict(os.environ, HUBEL_JIT="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_import_hubel_does_not_import_numba():
    code = "import sys, hubel; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_inference_takes_the_direct_kernel_before_the_plane_order_products(monkeypatch):
    from hubel.kernels import conv_planes

    calls = []
    monkeypatch.setattr(conv_planes, "_correlate", lambda *a: calls.append(a) or None)
    x = hb.tensor(np.ones((1, 8, 6, 6), np.float32))
    with hb.no_grad():
        out = F.conv2d(x, hb.tensor(np.ones((8, 8, 3, 3), np.float32)), padding=1)
    assert calls == [] and out.shape == (1, 8, 6, 6)
    np.testing.assert_allclose(out.numpy()[0, :, 2, 2], 72.0)


@pytest.mark.parametrize("stride, multiplier", [(1, 1), (2, 1), (1, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_depthwise_conv_equals_reference(stride, multiplier, dtype, compiled_calls):
    """Depthwise convolutions (MobileNet's) take a compiled loop forward and, at stride 1, for
    dL/dx too; values and gradients as the reference."""
    ran = compiled_calls
    c = 24
    shapes = [(2, c, 9, 9), (c * multiplier, 1, 3, 3)]
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    options = dict(stride=stride, padding=1, groups=c)
    results = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            inputs = [hb.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
            out = F.conv2d(*inputs, **options)
            out.backward(hb.tensor(np.ones(out.shape, dtype)))
            results[mode] = [out.detach().numpy()] + [t.grad.numpy() for t in inputs]
    # float32: the register-blocked loop; float64: the general one.
    name = "depthwise_blocked" if dtype == np.float32 else "depthwise"
    assert ran.count(name) == (2 if stride == 1 else 1), ran
    for ref, got in zip(results["reference"], results["fast"]):
        assert got.dtype == ref.dtype == dtype
        np.testing.assert_allclose(
            got,
            ref,
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-5 if dtype == np.float32 else 1e-12,
        )


@pytest.mark.parametrize(
    "x_shape, kernel, stride, padding, dilation",
    [
        ((1, 32, 7, 7), (3, 3), 1, 1, 1),  # a row of 7: one full block of 4 and a short one
        ((2, 48, 6, 5), (3, 3), 2, 1, 1),  # batch 2, stride 2, W_out 3 < 4 pixels per block
        ((1, 40, 9, 9), (5, 5), 1, 2, 1),  # 5 x 5 (MNASNet's), 2 full blocks and a tail of 8
        ((1, 16, 11, 10), (3, 5), (1, 2), (1, 2), (2, 1)),  # non-square kernel, stride, dilation
        ((3, 17, 8, 8), (7, 7), 1, 3, 1),  # 7 x 7, the largest blocked; a tail of 1 channel
        ((1, 8, 5, 5), (3, 3), 1, 1, 1),  # fewer channels than a vector: the tail loop alone
        ((1, 16, 1, 1), (1, 1), 1, 0, 1),  # a 1 x 1 map and a 1 x 1 kernel
    ],
)
def test_blocked_depthwise_equals_the_reference(
    x_shape, kernel, stride, padding, dilation, compiled_calls
):
    """``conv_jit.depthwise_blocked`` over the blocks it is built from: pixel blocks cut short
    at the end of a row (the repeated last pixel), channel tails, kernel sizes, strides and
    dilations; forward and both gradients equal the reference's."""
    ran = compiled_calls
    c = x_shape[1]
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((c, 1, *kernel))]
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=c)
    results, upstream = {}, None
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            inputs = [hb.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
            out = F.conv2d(*inputs, **options)
            if upstream is None:
                upstream = rng.standard_normal(out.shape).astype(np.float32)
            out.backward(hb.tensor(upstream))
            results[mode] = [out.detach().numpy()] + [t.grad.numpy() for t in inputs]
    assert "depthwise_blocked" in ran, ran
    for ref, got in zip(results["reference"], results["fast"]):
        assert got.dtype == ref.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_blocked_depthwise_writes_every_output_value():
    """Called directly on an output full of NaN, over padded copies and over the unpadded
    input with the padding's offsets: every value is written, and equals the sum over the taps
    of the zero-padded input computed in float64 (no value left from before, none skipped)."""
    compiled = jit.module("conv_jit")
    rng = np.random.default_rng(6)
    cases = [  # (n, h, w, c, kh, kw, stride, padding)
        (2, 6, 9, 40, 3, 3, 1, 0),
        (1, 7, 7, 33, 3, 3, 2, 0),
        (1, 5, 6, 16, 5, 3, 1, 0),
        (1, 7, 7, 32, 3, 3, 1, 1),
        (2, 9, 8, 48, 3, 3, 2, 1),
        (1, 4, 11, 17, 5, 5, 1, 2),
        (1, 3, 3, 16, 7, 7, 1, 3),  # every tap of every pixel near a border
    ]
    for n, h, w, c, kh, kw, s, pad in cases:
        x = rng.standard_normal((n, h, w, c)).astype(np.float32)
        taps = rng.standard_normal((kh, kw, c)).astype(np.float32)
        padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        ho, wo = (h + 2 * pad - kh) // s + 1, (w + 2 * pad - kw) // s + 1
        expected = np.zeros((n, ho, wo, c))
        for i in range(kh):
            for j in range(kw):
                window = padded[:, i : i + s * (ho - 1) + 1 : s, j : j + s * (wo - 1) + 1 : s]
                expected += window.astype(np.float64) * taps[i, j]
        for source, corner in ((padded, 0), (x, pad)):
            out = np.full((n, ho, wo, c), np.nan, np.float32)
            flat = (source.reshape(-1), taps.reshape(-1), out.reshape(-1))
            sizes = (n, *source.shape[1:], ho, wo)
            loop = compiled.depthwise_blocked(kh, kw)
            jit.run(loop, *flat, *sizes, s, s, 1, 1, corner, corner)
            np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_depthwise_with_infinite_taps_pads_as_the_reference(compiled_calls):
    """An infinite tap makes the padding's terms 0 · inf = NaN in the reference: then the input
    is padded (``_depthwise_unpadded`` declines), and the NaN come out where the reference's do."""
    ran = compiled_calls
    x = np.ones((1, 16, 5, 5), np.float32)
    w = np.ones((16, 1, 3, 3), np.float32)
    w[0, 0, 0, 0] = np.inf
    out = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode), hb.no_grad(), np.errstate(invalid="ignore"):
            out[mode] = F.conv2d(hb.tensor(x), hb.tensor(w), padding=1, groups=16).numpy()
    assert np.isnan(out["reference"]).any() and "depthwise_blocked" in ran
    np.testing.assert_array_equal(out["fast"], out["reference"])


def _conv_in_both_modes(arrays, options, seed=0):
    """conv2d's output and gradients under the reference and the fast kernels (same upstream)."""
    results, upstream = {}, None
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            inputs = [hb.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
            out = F.conv2d(*inputs, **options)
            if upstream is None:
                rng = np.random.default_rng(seed)
                upstream = rng.standard_normal(out.shape).astype(np.float32)
            out.backward(hb.tensor(upstream))
            results[mode] = [out.detach().numpy()] + [t.grad.numpy() for t in inputs]
    return results


@pytest.mark.parametrize(
    "x_shape, out_c, bias",
    [
        ((1, 32, 7, 7), 16, False),  # 49 pixels: the last block of 8 repeats its last pixel
        ((2, 24, 5, 6), 40, True),  # 16-lane blocks, the last one 8 channels short; a bias
        ((1, 960, 7, 7), 320, False),  # 32 lanes; filters outweigh the input: filters outer
        ((1, 16, 9, 9), 96, True),  # MobileNetV2's first expansion, small
        ((3, 5, 4, 4), 3, False),  # fewer output channels than a block
    ],
)
def test_pointwise_conv_equals_the_reference(x_shape, out_c, bias, compiled_calls):
    """Small 1x1 convolutions take ``conv_jit.pointwise`` forward; output and every gradient
    equal the reference's."""
    ran = compiled_calls
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((out_c, x_shape[1], 1, 1))]
    if bias:
        arrays.append(rng.standard_normal(out_c))
    results = _conv_in_both_modes(arrays, {})
    assert "pointwise" in ran, ran
    atol = max(2e-5, 1.5e-7 * x_shape[1])
    for ref, got in zip(results["reference"], results["fast"]):
        assert got.dtype == ref.dtype == np.float32 and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, rtol=2e-5, atol=atol)


@pytest.mark.parametrize(
    "options, dtype, big",
    [
        (dict(stride=2), np.float32, False),
        (dict(padding=1), np.float32, False),
        (dict(groups=2), np.float32, False),
        ({}, np.float64, False),
        ({}, np.float32, True),  # a product BLAS runs on its threads
    ],
)
def test_pointwise_loop_takes_only_small_dense_unpadded_stride_one_float32(
    options, dtype, big, monkeypatch, compiled_calls
):
    """Anything else stays on the matrix-product path, with the same numbers."""
    ran = compiled_calls
    if big:
        monkeypatch.setattr(parallel, "SMALL_PRODUCT_MACS", 1000)
    rng = np.random.default_rng(8)
    x = hb.tensor(rng.standard_normal((1, 8, 6, 6)).astype(dtype))
    w = hb.tensor(rng.standard_normal((16, 8 // options.get("groups", 1), 1, 1)).astype(dtype))
    with kernels.use("fast"):
        fast = F.conv2d(x, w, **options).numpy()
    with kernels.use("reference"):
        reference = F.conv2d(x, w, **options).numpy()
    assert "pointwise" not in ran, ran
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("by_filters", [False, True])
def test_pointwise_loop_writes_every_output_value(threads, by_filters):
    """Called directly on an output full of NaN, in both item orders and on one or two
    threads: every value is written and equals the float64 product."""
    compiled = jit.module("conv_jit")
    rng = np.random.default_rng(9)
    for pixels, c, out_c in [(49, 24, 40), (8, 16, 32), (3, 7, 64), (17, 33, 16)]:
        x = rng.standard_normal((pixels, c)).astype(np.float32)
        w = rng.standard_normal((out_c, c, 1, 1)).astype(np.float32)
        packed = conv_direct._pack(compiled, w, flipped=False)
        out = np.full((pixels, out_c), np.nan, np.float32)
        flat = (x.reshape(-1), packed.reshape(-1), out.reshape(-1))
        loop = compiled.pointwise[packed.shape[4]]
        jit.run(loop, *flat, pixels, c, out_c, by_filters, threads=threads)
        expected = x.astype(np.float64) @ w.reshape(out_c, c).T.astype(np.float64)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "first, policy, spins",
    [
        ("", None, False),  # hubel's own OpenMP runtime, made passive
        ("", "ACTIVE", True),  # the user asked for spinning threads
        ("import torch\n", None, True),  # PyTorch's runtime, loaded first, which spins
        ("import torch\n", "PASSIVE", False),  # ... unless the user said otherwise
    ],
)
def test_pool_spins_tells_whose_openmp_runtime_runs_the_loops(first, policy, spins):
    code = (
        f"{first}import numpy as np, hubel as hb\n"
        "from hubel.kernels import jit\n"
        "jit.module('conv_jit')\n"
        "print(jit.pool_spins())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy is not None:
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == [str(spins)], out.stderr


@pytest.mark.parametrize(
    "spins, macs, threads", [(True, 2 << 20, 2), (True, 1 << 19, 1), (False, 2 << 20, 1)]
)
def test_pointwise_wakes_the_threads_only_when_they_spin(spins, macs, threads, monkeypatch):
    """Every thread for a product of ``POINTWISE_SERIAL_MACS`` or more when numba's threads
    spin; the calling thread alone for smaller ones, and for all while they sleep."""
    monkeypatch.setattr(jit, "pool_spins", lambda: spins)
    monkeypatch.setattr(jit, "threads", lambda: 2)
    seen, run = [], jit.run

    def spy(function, *args, threads=None):
        if function.__name__ == "pointwise":
            seen.append(threads)
        return run(function, *args, threads=threads)

    monkeypatch.setattr(jit, "run", spy)
    c = 64
    pixels = macs // (c * c)
    x = np.random.default_rng(0).standard_normal((1, 1, pixels, c)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((c, c, 1, 1)).astype(np.float32)
    out = conv_direct.pointwise(x, w)
    assert seen == [threads]
    np.testing.assert_allclose(
        out.reshape(pixels, c), x.reshape(pixels, c) @ w.reshape(c, c).T, rtol=1e-4, atol=1e-4
    )


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((1, 512, 7, 7), (512, 512, 3, 3), dict(padding=1)),  # ResNet-18's last stage
        ((1, 256, 14, 14), (512, 256, 3, 3), dict(stride=2, padding=1)),  # its stride-2 entry
        ((1, 64, 9, 8), (601, 64, 3, 2), dict(stride=(2, 3), padding=(2, 1))),  # C_out % 4 == 1
        ((1, 32, 5, 5), (302, 32, 5, 5), dict(padding=0)),  # one output pixel
        ((1, 40, 6, 7), (130, 40, 3, 3), dict(stride=3, padding=2)),
        ((1, 16, 13, 11), (2048, 16, 1, 1), dict(stride=2)),  # 1x1, strided
        ((1, 24, 12, 12), (200, 24, 3, 3), dict(padding=1, bias=True)),  # 168 cells: 3 blocks
    ],
)
def test_streamed_filters_equal_the_reference(x_shape, w_shape, options, compiled_calls):
    """Batch-1 inference with filters far heavier than the input takes
    ``conv_jit.stream_filters``; its output equals the reference's, and the float64 sums'."""
    ran = compiled_calls
    options = dict(options)
    rng = np.random.default_rng(10)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32) if options.pop("bias", False) else None
    inputs = [hb.tensor(x), hb.tensor(w)] + ([] if b is None else [hb.tensor(b)])
    with hb.no_grad():
        with kernels.use("fast"):
            fast = F.conv2d(*inputs, **options).numpy()
        with kernels.use("reference"):
            reference = F.conv2d(*inputs, **options).numpy()
        wide = [hb.tensor(a.numpy().astype(np.float64)) for a in inputs]
        exact = F.conv2d(*wide, **options).numpy()
    assert ran == ["stream_filters"], ran
    terms = w_shape[1] * w_shape[2] * w_shape[3]
    atol = max(2e-5, 1.5e-7 * terms)
    assert fast.dtype == np.float32 and fast.shape == reference.shape
    np.testing.assert_allclose(fast, reference, rtol=2e-5, atol=atol)
    np.testing.assert_allclose(fast, exact, rtol=2e-5, atol=atol)


@pytest.mark.parametrize("case", ["gradient", "batch 2", "light filters", "dilation"])
def test_streamed_filters_only_for_batch_one_inference_with_heavy_filters(case, compiled_calls):
    ran = compiled_calls
    rng = np.random.default_rng(11)
    n = 2 if case == "batch 2" else 1
    out_c = 8 if case == "light filters" else 256
    x = hb.tensor(rng.standard_normal((n, 16, 6, 6)).astype(np.float32))
    w = hb.tensor(rng.standard_normal((out_c, 16, 3, 3)).astype(np.float32))
    w.requires_grad = case == "gradient"
    options = dict(padding=2, dilation=2 if case == "dilation" else 1)
    with kernels.use("fast"):
        fast = F.conv2d(x, w, **options)
    with kernels.use("reference"):
        reference = F.conv2d(x, w, **options)
    assert "stream_filters" not in ran, ran
    np.testing.assert_allclose(
        fast.detach().numpy(), reference.detach().numpy(), rtol=1e-5, atol=1e-4
    )


def test_stream_filters_writes_every_output_cell():
    """Called directly on an output full of NaN with C_out % 4 == 3: every cell of every filter
    is written, and equals the float64 sum over the taps."""
    compiled = jit.module("conv_jit")
    rng = np.random.default_rng(12)
    c_out, taps, blocks = 7, 5, 2
    x = rng.standard_normal(300).astype(np.float32)
    w = rng.standard_normal(c_out * taps).astype(np.float32)
    offsets = np.array([0, 3, 50, 51, 170], np.int64)
    out = np.full(c_out * blocks * 64, np.nan, np.float32)
    jit.run(compiled.stream_filters, x, w, offsets, out, taps, blocks, c_out)
    cells = np.arange(blocks * 64)
    expected = sum(
        w.reshape(c_out, taps)[:, t, None].astype(np.float64) * x[offsets[t] + cells]
        for t in range(taps)
    )
    np.testing.assert_allclose(out.reshape(c_out, -1), expected, rtol=1e-5, atol=1e-5)


def test_depthwise_forward_makes_no_padded_copy(monkeypatch):
    """Inference through the blocked loop reads the input unpadded; a training step pads it
    only for the weight gradient. Values as the reference either way."""
    from hubel.kernels import conv as conv_kernel

    padded, pad = [], conv_kernel.pad_image
    monkeypatch.setattr(conv_kernel, "pad_image", lambda x, p: padded.append(p) or pad(x, p))
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 32, 8, 8)).astype(np.float32)
    w = rng.standard_normal((32, 1, 3, 3)).astype(np.float32)
    with kernels.use("fast"), hb.no_grad():
        fast = F.conv2d(hb.tensor(x), hb.tensor(w), padding=1, groups=32).numpy()
    assert padded == []
    with kernels.use("reference"), hb.no_grad():
        reference = F.conv2d(hb.tensor(x), hb.tensor(w), padding=1, groups=32).numpy()
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-5)
    xt = hb.tensor(x, requires_grad=True)
    with kernels.use("fast"):
        F.conv2d(xt, hb.tensor(w, requires_grad=True), padding=1, groups=32).sum().backward()
    assert padded == [(1, 1, 1, 1)]  # once, for dL/dW; dL/dx reads G unpadded too
