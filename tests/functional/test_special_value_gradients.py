"""Piecewise ops take PyTorch's gradients at NaN, ±inf and their edges, not a mask product's.

PyTorch's backward of ReLU, Hardtanh, clamp, max/min and friends *selects* (``x <= 0 ? 0 :
grad``): a NaN input passes the gradient on where its test is false, and an infinite
upstream gradient in a flat part gives 0. ``grad * (x > 0)`` gives 0 for the first and
inf·0 = NaN for the second: a silent difference that a student chasing a NaN would meet."""

import numpy as np
import pytest
import torch

import hubel as hb
import hubel.functional as F
from hubel import kernels

INPUT = [np.nan, -np.inf, np.inf, -0.0, 0.0, -3.0, 3.0, -2.0, 1.5, 6.0, -1.0, 0.5, 7.0, -5.0]
UPSTREAM = [np.inf, -np.inf, np.inf, np.inf, -np.inf, np.inf, -np.inf, np.inf, -np.inf]
UPSTREAM += [np.inf, -np.inf, np.nan, 1.0, 2.0]

# PyTorch's CPU kernels take a vectorized path over whole vectors and a scalar one over a short
# tail, and for some ops the two differ at NaN (hardtanh's scalar code passes the gradient on,
# its vectorized code gives 0): the tests use arrays long enough for the vectorized path,
# which is what every real tensor meets.
SIZE = 64

ONE_INPUT = {
    "relu": (F.relu, torch.relu),
    "relu6": (F.relu6, torch.nn.functional.relu6),
    "hardtanh": (
        lambda x: F.hardtanh(x, -2.0, 1.5),
        lambda x: torch.nn.functional.hardtanh(x, -2.0, 1.5),
    ),
    "hardsigmoid": (F.hardsigmoid, torch.nn.functional.hardsigmoid),
    "hardswish": (F.hardswish, torch.nn.functional.hardswish),
    "elu": (F.elu, torch.nn.functional.elu),
    "selu": (F.selu, torch.nn.functional.selu),
    "celu": (lambda x: F.celu(x, 0.5), lambda x: torch.nn.functional.celu(x, 0.5)),
    "leaky_relu": (F.leaky_relu, torch.nn.functional.leaky_relu),
    "clamp": (lambda x: x.clamp(-2.0, 1.5), lambda x: x.clamp(-2.0, 1.5)),
    "clamp min": (lambda x: x.clamp(min=0.5), lambda x: x.clamp(min=0.5)),
    "abs": (lambda x: x.abs(), lambda x: x.abs()),
}


def assert_same(ours, theirs, rtol):
    theirs = theirs.detach().numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0, equal_nan=True)


def run_both(ours, theirs, arrays, upstream):
    ts = [hb.tensor(a, requires_grad=True) for a in arrays]
    y = ours(*ts)
    y.backward(hb.tensor(upstream))
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = theirs(*tt)
    ty.backward(torch.tensor(upstream))
    return (y.detach().numpy(), ty), [(t.grad.numpy(), u.grad) for t, u in zip(ts, tt)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", sorted(ONE_INPUT))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["reference", "fast"])
@pytest.mark.parametrize("upstream_kind", ["ones", "infinite"])
def test_one_input_ops_give_pytorchs_gradient_at_special_values(name, dtype, mode, upstream_kind):
    x = np.resize(np.array(INPUT, dtype), SIZE)
    upstream = (
        np.ones_like(x) if upstream_kind == "ones" else np.resize(np.array(UPSTREAM, dtype), SIZE)
    )
    rtol = 1e-6  # PyTorch's float64 hardsigmoid multiplies by 1/6 rounded to float32
    with kernels.use(mode):
        (y, ty), [(g, tg)] = run_both(*ONE_INPUT[name], [x], upstream)
    assert_same(y, ty, rtol)
    assert_same(g, tg, rtol)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maximum_and_minimum_give_pytorchs_gradients_with_nan_ties_and_inf(op, dtype):
    a = np.array([np.nan, 1.0, 2.0, 2.0, -np.inf, np.inf, 0.0, np.nan, 5.0], dtype)
    b = np.array([1.0, np.nan, 2.0, 3.0, -np.inf, 1.0, -0.0, np.nan, 4.0], dtype)
    upstream = np.array([2.0, 2.0, 2.0, np.inf, np.inf, -np.inf, 4.0, 1.0, np.inf], dtype)
    (y, ty), grads = run_both(getattr(hb, op), getattr(torch, op), [a, b], upstream)
    assert_same(y, ty, 0)
    for g, tg in grads:
        assert_same(g, tg, 0)
