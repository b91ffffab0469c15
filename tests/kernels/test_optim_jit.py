"""The compiled Adam step (``kernels/optim_jit.py``) gives the NumPy kernel's bits (``optim.py``,
itself tested equal to the reference in ``test_fast_equals_reference.py``) for every option,
dtype and special value, and it is the code that ran where it should; elsewhere the NumPy
kernel runs."""

import numpy as np
import pytest

import hubel as hb
from hubel import kernels, nn, optim
from hubel.kernels import jit

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def _small_parameters_compiled_too(monkeypatch):
    """The tests' parameters are small: let them take the compiled path (``jit.SERIAL_BYTES``)."""
    monkeypatch.setattr(jit, "SERIAL_BYTES", 0)


OPTIONS = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, maximize=True),
    dict(lr=0.01, weight_decay=0.1, maximize=True, amsgrad=True),
    dict(lr=0.01, amsgrad=True, betas=(0.5, 0.9), eps=1e-3),
    dict(lr=0.02, weight_decay=0.5, decoupled_weight_decay=True),
    dict(lr=0.02, weight_decay=0.5, decoupled_weight_decay=True, amsgrad=True, maximize=True),
    dict(lr=0.0),
]
SHAPES = [(37, 29), (1000,), (), (3, 1, 5)]


def special_values(shape, rng, dtype):
    """Normal values with NaN, ±inf, ±0 and a huge and a tiny one spread in."""
    a = rng.standard_normal(shape).astype(dtype)
    if a.size >= 8:
        flat = a.reshape(-1)
        picks = rng.choice(flat.size, 8, replace=False)
        flat[picks] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, 1e-30, -1e-38]
    return a


def trajectory(options, dtype, compiled, steps=4, seed=0):
    """The parameters after ``steps`` Adam steps, gradients from one seed, on the fast path
    with the compiled kernels on or off; and the compiled functions that ran."""
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(special_values(s, rng, dtype)) for s in SHAPES]
    grads = [[special_values(s, rng, dtype) for s in SHAPES] for _ in range(steps)]
    opt = optim.Adam(params, **options)
    with kernels.use("fast"), kernels.use_jit(compiled), np.errstate(all="ignore"):
        for step in grads:
            for p, g in zip(params, step):
                p.grad = hb.tensor(g)
            opt.step()
    states = [opt.state[p] for p in params]
    return [p.detach().numpy() for p in params], states


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_adam_gives_the_numpy_kernels_bits(compiled_calls, options, dtype):
    numpy_params, numpy_states = trajectory(options, dtype, compiled=False)
    assert compiled_calls == []
    params, states = trajectory(options, dtype, compiled=True)
    assert compiled_calls == ["adam"] * (4 * len(SHAPES))
    for got, want in zip(params, numpy_params):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want)  # NaN where NaN, and -0 vs 0 below
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    for got, want in zip(states, numpy_states):
        assert got.keys() == want.keys() and got["step"] == want["step"] == 4
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            if key in want:
                np.testing.assert_array_equal(got[key], want[key])


def test_compiled_adam_moves_parameters_as_the_formula_says(compiled_calls):
    """Against Adam's formula written out in float64 (not against either kernel)."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(500)
    grads = [rng.standard_normal(500) for _ in range(3)]
    p = nn.Parameter(w0.copy())
    opt = optim.Adam([p], lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)
    with kernels.use("fast"):
        for g in grads:
            p.grad = hb.tensor(g)
            opt.step()
    assert compiled_calls == ["adam"] * 3
    w, m, v = w0.copy(), np.zeros(500), np.zeros(500)
    for t, g in enumerate(grads, 1):
        g = g + 0.01 * w
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g * g
        w = w - 0.1 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-6)
    np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "case", ["fortran gradient", "strided parameter", "float64 gradient", "float16"]
)
def test_arrays_the_compiled_adam_declines_take_the_numpy_kernel(compiled_calls, case):
    rng = np.random.default_rng(1)
    dtype = np.float16 if case == "float16" else np.float32
    data = rng.standard_normal((6, 8)).astype(dtype)
    grad = rng.standard_normal((6, 8)).astype(dtype)
    if case == "fortran gradient":
        grad = np.asfortranarray(grad)
    if case == "float64 gradient":
        grad = grad.astype(np.float64)
    results = {}
    for mode in ("reference", "fast"):
        base = np.zeros((6, 16), dtype)
        base[:, ::2] = data
        p = nn.Parameter(base[:, ::2] if case == "strided parameter" else data.copy())
        opt = optim.Adam([p], lr=0.1, eps=1e-3)  # 1e-8 is 0 in float16
        with kernels.use(mode):
            for _ in range(2):
                p.grad = hb.tensor(grad)
                opt.step()
        results[mode] = p.detach().numpy()
    assert compiled_calls == []
    assert results["fast"].dtype == dtype
    tolerance = 1e-3 if dtype == np.float16 else 1e-6
    np.testing.assert_allclose(
        results["fast"], results["reference"], rtol=tolerance, atol=tolerance
    )


def test_parameters_under_serial_bytes_take_the_numpy_kernel(compiled_calls, monkeypatch):
    """A small model's update never waits for numba (the quickstart's MLP: 0.4 s of training)."""
    monkeypatch.setattr(jit, "SERIAL_BYTES", 4000)
    params = [nn.Parameter(np.ones(999, np.float32)), nn.Parameter(np.ones(1000, np.float32))]
    opt = optim.Adam(params, lr=0.1)
    with kernels.use("fast"):
        for p in params:
            p.grad = hb.tensor(np.full(p.shape, 0.5, np.float32))
        opt.step()
    assert compiled_calls == ["adam"]  # the 4000-byte parameter only
    for p in params:
        np.testing.assert_allclose(p.detach().numpy(), 0.9, rtol=1e-6)  # step 1 moves by lr
