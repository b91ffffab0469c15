"""The compiled batch norm and ReLU passes (``kernels/pointwise_jit.py``) equal the reference:
forward, every gradient, the running statistics, and the values the reference gives for NaN,
infinity and -0; and they are the code that ran."""

import numpy as np
import pytest

import hubel as hb
import hubel.functional as F
from hubel import kernels, nn
from hubel.kernels import jit

pytest.importorskip("numba")

TOLERANCE = dict(rtol=2e-5, atol=2e-5)


@pytest.fixture(autouse=True, params=["all threads", "one thread"])
def _small_arrays_compiled_too(monkeypatch, request):
    """The tests' arrays are small: let them take the compiled path (``jit.SERIAL_BYTES``), on
    every thread (``jit.MIN_BYTES`` 0) or on the calling thread alone (every array under it);
    and the fast kernels are in force (``make test-reference`` runs this file too)."""
    monkeypatch.setattr(jit, "SERIAL_BYTES", 0)
    monkeypatch.setattr(jit, "MIN_BYTES", 0 if request.param == "all threads" else 1 << 40)
    with kernels.use("fast"):
        yield


def channels_last_map(shape, seed=0, loc=0.0, scale=1.0):
    """A float32 (N, C, H, W) tensor whose memory is channels-last, as a conv kernel returns."""
    n, c, h, w = shape
    data = np.random.default_rng(seed).normal(loc, scale, (n, h, w, c)).astype(np.float32)
    return data.transpose(0, 3, 1, 2)


def both_ways(fn, arrays, seed=0):
    results = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            inputs = [hb.tensor(a, requires_grad=True) for a in arrays]
            out = fn(*inputs)
            upstream = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32)
            out.backward(hb.tensor(upstream.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)))
            results[mode] = [out.detach().numpy()] + [t.grad.numpy() for t in inputs]
    for reference, fast in zip(results["reference"], results["fast"]):
        assert fast.dtype == reference.dtype == np.float32 and fast.shape == reference.shape
        np.testing.assert_allclose(fast, reference, **TOLERANCE)


@pytest.mark.parametrize("shape", [(4, 16, 6, 6), (3, 5, 7, 3), (2, 64, 1, 1), (2, 1, 9, 9)])
@pytest.mark.parametrize("affine", [True, False])
def test_compiled_batch_norm_equals_reference(compiled_calls, shape, affine):
    arrays = [channels_last_map(shape)]
    if affine:
        rng = np.random.default_rng(1)
        arrays += [rng.normal(1, 0.5, shape[1]).astype(np.float32)]
        arrays += [rng.normal(0, 0.5, shape[1]).astype(np.float32)]
        both_ways(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), arrays)
    else:
        both_ways(lambda x: F.batch_norm(x, None, None, None, None, True), arrays)
    assert {"channel_sums", "affine", "grad_sums", "input_grad"} <= set(compiled_calls)


def test_compiled_batch_norm_keeps_the_variance_when_the_mean_is_far_from_zero():
    """With |μ|/σ = 10⁷, Σx² - (Σx)²/M cancels even in float64 (to about 1% of σ²); the sums of
    x - x₀ do not: the batch variance matches NumPy's float64 two-pass variance."""
    x = channels_last_map((8, 16, 5, 5), loc=1e4, scale=1e-3)
    bn = nn.BatchNorm2d(16, momentum=1.0)  # running_var = the batch's unbiased variance
    bn(hb.tensor(x))
    expected = x.astype(np.float64).transpose(1, 0, 2, 3).reshape(16, -1).var(axis=1, ddof=1)
    np.testing.assert_allclose(bn.running_var.numpy(), expected, rtol=1e-4)


def test_compiled_batch_norm_updates_the_running_statistics_as_the_reference():
    x = channels_last_map((6, 16, 4, 4), seed=3, loc=2.0)
    stats = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            bn = nn.BatchNorm2d(16, momentum=0.3)
            for _ in range(3):
                bn(hb.tensor(x))
            stats[mode] = (bn.running_mean.numpy(), bn.running_var.numpy())
    for reference, fast in zip(stats["reference"], stats["fast"]):
        assert fast.dtype == reference.dtype
        np.testing.assert_allclose(fast, reference, **TOLERANCE)


@pytest.mark.parametrize("affine", [True, False])
def test_compiled_batch_norm_eval_equals_reference(compiled_calls, affine):
    """x·scale + shift, and its gradients: as the reference to float32 rounding (which
    computes (x - μ)/σ·γ + β), and bit for bit as the NumPy kernel's x·scale + shift."""
    bn = nn.BatchNorm2d(16, affine=affine)
    bn.running_mean.data[...] = np.linspace(-2, 3, 16, dtype=np.float32)
    bn.running_var.data[...] = np.linspace(0.1, 4, 16, dtype=np.float32)
    if affine:
        bn.weight.data[...] = np.linspace(0.5, 1.5, 16, dtype=np.float32)
        bn.bias.data[...] = np.linspace(-1, 1, 16, dtype=np.float32)
    bn.eval()
    x = channels_last_map((3, 16, 5, 5), seed=2, loc=1.0, scale=2.0)
    outputs = {}
    for mode, compiled in (("reference", False), ("fast", False), ("fast", True)):
        with kernels.use(mode), kernels.use_jit(compiled):
            t = hb.tensor(x, requires_grad=True)
            y = bn(t)
            y.sum().backward()
            outputs[mode, compiled] = (y.detach().numpy(), t.grad.numpy())
    assert compiled_calls == ["scale_shift"]
    for reference, numpy_kernel, fast in zip(*outputs.values()):
        assert fast.dtype == reference.dtype == np.float32
        np.testing.assert_allclose(fast, reference, **TOLERANCE)
        np.testing.assert_array_equal(fast, numpy_kernel)


def test_batch_norm_of_nchw_memory_and_float64_stay_on_the_numpy_kernel(compiled_calls):
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 3))
    F.batch_norm(hb.tensor(x.astype(np.float32)), None, None, None, None, True)  # NCHW memory
    F.batch_norm(
        hb.tensor(channels_last_map((2, 4, 3, 3)).astype(np.float64)), None, None, None, None, True
    )
    assert compiled_calls == []


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_compiled_relu_equals_reference_with_nan_inf_and_negative_zero(compiled_calls, layout):
    values = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 2.5, -1.5, 1e-30], np.float32)
    x = np.resize(values, (2, 4, 3, 5)).astype(np.float32)
    if layout == "channels_last":
        x = x.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
    out = {}
    for mode in ("reference", "fast"):
        with kernels.use(mode):
            t = hb.tensor(x, requires_grad=True)
            y = F.relu(t)
            upstream = np.resize(values[::-1], x.shape).astype(np.float32)
            upstream = (
                upstream.transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
                if (layout == "channels_last")
                else upstream
            )
            y.backward(hb.tensor(upstream))
            out[mode] = (y.detach().numpy(), t.grad.numpy())
    for reference, fast in zip(out["reference"], out["fast"]):
        np.testing.assert_array_equal(fast, reference)
        np.testing.assert_array_equal(np.signbit(fast), np.signbit(reference))
    assert {"relu_forward", "relu_backward"} <= set(compiled_calls)


def test_compiled_relu_gives_pytorchs_gradient_for_nan_input_and_infinite_gradient(
    compiled_calls,
):
    """PyTorch selects (0 where y <= 0, else g): NaN y passes g on, inf g where y <= 0 gives 0."""
    torch = pytest.importorskip("torch")
    x = np.resize(np.array([np.nan, -1.0, 0.0, -0.0, 2.0, -np.inf, np.inf], np.float32), 70)
    upstream = np.resize(np.array([np.inf, -np.inf, np.inf, np.nan, 3.0], np.float32), 70)
    t = hb.tensor(x, requires_grad=True)
    F.relu(t).backward(hb.tensor(upstream))
    assert compiled_calls == ["relu_forward", "relu_backward"]
    twin = torch.tensor(x, requires_grad=True)
    torch.relu(twin).backward(torch.tensor(upstream))
    np.testing.assert_array_equal(t.grad.numpy(), twin.grad.numpy())


def test_without_the_compiled_kernels_nothing_compiled_runs(compiled_calls):
    with kernels.use_jit(False):
        bn = nn.BatchNorm2d(16)
        y = F.relu(bn(hb.tensor(channels_last_map((2, 16, 4, 4)), requires_grad=True)))
        y.sum().backward()
    assert compiled_calls == []


def test_passes_under_serial_bytes_stay_in_numpy(compiled_calls, monkeypatch):
    monkeypatch.setattr(jit, "SERIAL_BYTES", 1 << 20)
    F.relu(hb.tensor(channels_last_map((2, 16, 4, 4))))
    assert compiled_calls == []
    F.relu(hb.tensor(channels_last_map((4, 16, 64, 64))))  # 1 MiB
    assert compiled_calls == ["relu_forward"]


def test_passes_under_min_bytes_run_on_one_thread(monkeypatch):
    """From SERIAL_BYTES to MIN_BYTES a pass runs compiled on the calling thread alone (no
    pool woken next to a spinning BLAS worker); from MIN_BYTES on, on every thread."""
    monkeypatch.setattr(jit, "SERIAL_BYTES", 1 << 10)
    monkeypatch.setattr(jit, "MIN_BYTES", 1 << 20)
    seen, run = [], jit.run
    monkeypatch.setattr(
        jit, "run", lambda f, *a, threads=None: seen.append(threads) or run(f, *a, threads=threads)
    )
    bn = nn.BatchNorm2d(16)
    for shape in [(2, 16, 8, 8), (4, 16, 64, 64)]:  # 8 KiB, 1 MiB
        seen.clear()
        bn(hb.tensor(channels_last_map(shape), requires_grad=True)).sum().backward()
        F.relu(hb.tensor(channels_last_map(shape)))
        expected = 1 if shape[0] == 2 else jit.threads()
        assert seen and all(t == expected for t in seen), (shape, seen)


def test_the_pool_waits_passively_and_the_environment_is_left_as_it_was():
    """jit.py sets OMP_WAIT_POLICY only while numba's OpenMP library loads."""
    import os
    import subprocess
    import sys

    code = (
        "import os, numpy as np, hubel as hb\n"
        "from hubel.kernels import jit\n"
        "print(jit.module('pointwise_jit') is not None, os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "None"], out.stderr
