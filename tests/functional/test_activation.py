import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb
import hubel.functional as F

SHAPES = [(7,), (4, 5), (2, 3, 4, 4)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "hb_fn,torch_fn",
    [
        (F.sigmoid, torch.sigmoid),
        (F.tanh, torch.tanh),
        (F.relu, torch.relu),
        (lambda x: F.leaky_relu(x, 0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2)),
        (F.gelu, torch.nn.functional.gelu),
        (lambda x: F.gelu(x, "tanh"), lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
        (lambda x: F.softmax(x, -1), lambda x: torch.softmax(x, -1)),
        (lambda x: F.softmax(x, 0), lambda x: torch.softmax(x, 0)),
        (lambda x: F.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1)),
        (lambda x: F.log_softmax(x, 0), lambda x: torch.log_softmax(x, 0)),
    ],
    ids=[
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "gelu",
        "gelu_tanh",
        "softmax",
        "softmax0",
        "log_softmax",
        "log_softmax0",
    ],
)
def test_activation_matches_torch(hb_fn, torch_fn, shape):
    assert_matches_torch(hb_fn, torch_fn, shapes=[shape])


def test_relu_gradient_at_zero_is_zero_as_torch():
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    assert_matches_torch(F.relu, torch.relu, inputs=[x], check_gradcheck=False)
    t = hb.tensor(x, requires_grad=True)
    F.relu(t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0.0, 0.0, 0.0, 1.0])


def test_leaky_relu_gradient_at_zero_is_slope_as_torch():
    x = np.array([-1.0, 0.0, 2.0])
    assert_matches_torch(
        lambda t: F.leaky_relu(t, 0.1),
        lambda t: torch.nn.functional.leaky_relu(t, 0.1),
        inputs=[x],
        check_gradcheck=False,
    )


@pytest.mark.parametrize("value", [-1000.0, -50.0, 0.0, 50.0, 1000.0])
def test_sigmoid_is_finite_and_exact_at_extremes(value):
    x = hb.tensor([value], dtype=hb.float64, requires_grad=True)
    y = F.sigmoid(x)
    y.backward(hb.tensor([1.0], dtype=hb.float64))
    expected = torch.sigmoid(torch.tensor([value], dtype=torch.float64))
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=0)
    assert np.isfinite(x.grad.numpy()).all()


def test_sigmoid_derivative_is_f_times_one_minus_f():
    x = hb.tensor(np.linspace(-5, 5, 11), requires_grad=True)
    y = F.sigmoid(x)
    y.sum().backward()
    f = y.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), f * (1 - f), rtol=1e-6)


def test_softmax_is_stable_for_huge_scores_and_sums_to_one():
    x = hb.tensor([[1000.0, 1000.0, -1000.0], [3e4, 0.0, 1.0]])
    p = F.softmax(x, dim=-1).detach().numpy()
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p[0], [0.5, 0.5, 0.0], atol=1e-7)


@pytest.mark.parametrize("fn", [F.relu, F.sigmoid, F.tanh, F.gelu])
def test_activation_keeps_float32(fn):
    assert fn(hb.randn(3, 4)).dtype == hb.float32


def test_activation_rejects_integer_tensor_naming_dtype():
    with pytest.raises(TypeError, match="relu: expected a floating-point tensor, got dtype int64"):
        F.relu(hb.tensor([1, 2, 3]))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(hb.randn(3), approximate="fast")


def test_softmax_rejects_axis_out_of_range():
    with pytest.raises(
        ValueError, match=r"dim: expected an axis in \[-2, 1\] for a 2-d tensor, got 2"
    ):
        F.softmax(hb.randn(2, 3), dim=2)


NEW_ACTIVATIONS = {
    "relu6": (lambda x: F.relu6(x), torch.nn.functional.relu6),
    "silu": (F.silu, torch.nn.functional.silu),
    "hardsigmoid": (F.hardsigmoid, torch.nn.functional.hardsigmoid),
    "hardswish": (F.hardswish, torch.nn.functional.hardswish),
    "mish": (F.mish, torch.nn.functional.mish),
    "elu": (F.elu, torch.nn.functional.elu),
    "elu alpha": (lambda x: F.elu(x, 0.5), lambda x: torch.nn.functional.elu(x, 0.5)),
    "softplus": (F.softplus, torch.nn.functional.softplus),
    "softplus beta": (
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: torch.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    ),
    "hardtanh": (
        lambda x: F.hardtanh(x, -2.0, 1.5),
        lambda x: torch.nn.functional.hardtanh(x, -2.0, 1.5),
    ),
}


@pytest.mark.parametrize("name", sorted(NEW_ACTIVATIONS))
def test_more_activations_match_torch(name):
    ours, theirs = NEW_ACTIVATIONS[name]
    # A spread that crosses every kink (-3, 0, 3, 6) and the softplus threshold, away from them
    # so the central differences are clean.
    values = np.array([-7.3, -4.1, -2.9, -1.2, -0.4, 0.3, 1.1, 2.6, 3.4, 5.2, 6.5, 9.7, 21.3])
    assert_matches_torch(ours, theirs, inputs=[values], rtol=_rtol(name))


def _rtol(name):
    # NOTE: torch's double backward of these multiplies by the float32 constants 1.0f/6.0f and
    # 1/3.0f, so it is itself off by ~3e-8 relative; the gradcheck holds ours to 1e-5 anyway.
    return 1e-7 if name.startswith("hards") else 1e-8


@pytest.mark.parametrize("name", ["relu6", "hardsigmoid", "hardswish", "hardtanh"])
def test_piecewise_activation_gradients_at_the_kinks_match_torch(name):
    ours, theirs = NEW_ACTIVATIONS[name]
    kinks = np.array([-3.0, -2.0, -1.0, 0.0, 1.5, 3.0, 6.0])
    assert_matches_torch(ours, theirs, inputs=[kinks], check_gradcheck=False, rtol=_rtol(name))


MODULES = [
    ("ReLU6", {}),
    ("SiLU", {}),
    ("Hardsigmoid", {}),
    ("Hardswish", {}),
    ("Mish", {}),
    ("ELU", {"alpha": 0.7}),
    ("Softplus", {"beta": 1.5, "threshold": 10.0}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}),
]


@pytest.mark.parametrize("name, kwargs", MODULES, ids=[m[0] for m in MODULES])
def test_activation_modules_match_torch(name, kwargs):
    ours, theirs = getattr(hb.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert_matches_torch(ours, theirs, shapes=[(4, 5)], rtol=_rtol(name.lower()))
    assert repr(ours) == repr(theirs)


def test_activations_refuse_integer_tensors():
    with pytest.raises(TypeError, match="silu: expected a floating-point tensor"):
        F.silu(hb.tensor([1, 2]))


COMPOSED = {
    "logsigmoid": (F.logsigmoid, torch.nn.functional.logsigmoid),
    "selu": (F.selu, torch.nn.functional.selu),
    "celu": (lambda x: F.celu(x, 0.7), lambda x: torch.nn.functional.celu(x, 0.7)),
    "softsign": (F.softsign, torch.nn.functional.softsign),
}


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed_activations_match_torch(name):
    ours, theirs = COMPOSED[name]
    values = np.array([-40.0, -7.3, -2.9, -0.4, 0.3, 1.1, 5.2, 40.0])  # ±40: no overflow
    # NOTE: torch's double celu backward rounds alpha through float32 (~5e-8 relative)
    assert_matches_torch(ours, theirs, inputs=[values], rtol=1e-7 if name == "celu" else 1e-8)


@pytest.mark.parametrize("name", ["SELU", "CELU", "Softsign", "LogSigmoid"])
def test_composed_activation_modules_match_torch(name):
    ours, theirs = getattr(hb.nn, name)(), getattr(torch.nn, name)()
    assert repr(ours) == repr(theirs)
    assert_matches_torch(ours, theirs, shapes=[(3, 4)], rtol=1e-7)
