"""clip_grad_norm_ and clip_grad_value_ agree with torch.nn.utils and never write in place."""

import math

import numpy as np
import pytest
import torch

import hubel as hb
from hubel import nn
from hubel.nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(4, 5), (5,), (3, 2, 2), ()]


def _twins(scale: float = 1.0, dtype=np.float64):
    """Parameters with gradients, and torch copies; plus one hubel parameter with no grad."""
    rng = np.random.default_rng(0)
    params, twins = [], []
    for shape in SHAPES:
        grad = (rng.standard_normal(shape) * scale).astype(dtype)
        p, t = nn.Parameter(np.zeros(shape, dtype)), torch.tensor(np.zeros(shape, dtype))
        p.grad, t.grad = hb.tensor(grad), torch.tensor(grad)
        params.append(p)
        twins.append(t)
    return [*params, nn.Parameter(np.zeros(2, dtype))], twins


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    params, twins = _twins()
    old = [p.grad.data for p in params[:-1]]
    originals = [a.copy() for a in old]
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(twins, max_norm, norm_type=norm_type)
    assert isinstance(total, hb.Tensor) and total.shape == ()
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(params, twins):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    for array, original in zip(old, originals):
        np.testing.assert_array_equal(array, original)
    assert params[-1].grad is None


def test_clip_grad_norm_caps_the_norm_in_float32():
    params, _ = _twins(scale=10.0, dtype=np.float32)
    total = clip_grad_norm_(params, 1.0)
    assert total.dtype == np.float32 and total.item() > 1
    grads = np.concatenate([p.grad.numpy().ravel() for p in params[:-1]])
    assert grads.dtype == np.float32
    assert np.linalg.norm(grads) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_of_nonfinite_gradients_raises_when_asked():
    params, _ = _twins()
    params[0].grad = hb.tensor(np.full((4, 5), np.nan))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is nan"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    clip_grad_norm_(params, 1.0)
    assert np.isnan(params[1].grad.numpy()).all()


def test_clip_grad_norm_accepts_a_single_tensor_and_no_grads():
    p = nn.Parameter(np.zeros(3))
    assert clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = hb.tensor([3.0, 4.0, 0.0], dtype=np.float64)
    assert clip_grad_norm_(p, 1.0).item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-6)


def test_clip_grad_value_matches_torch_and_keeps_the_old_arrays():
    params, twins = _twins(scale=2.0)
    old = [(p.grad.data, p.grad.data.copy()) for p in params[:-1]]
    clip_grad_value_(params, 1.5)
    torch.nn.utils.clip_grad_value_(twins, 1.5)
    for p, t in zip(params, twins):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    for array, original in old:
        np.testing.assert_array_equal(array, original)
    assert max(np.abs(p.grad.numpy()).max() for p in params[:-1]) == 1.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda ps: clip_grad_norm_(ps, -1.0), r"max_norm must be a number >= 0, got -1.0"),
        (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="fro"), r"norm_type must be a number"),
        (lambda ps: clip_grad_value_(ps, -0.5), r"clip_value must be a number >= 0, got -0.5"),
    ],
)
def test_bad_clip_arguments_are_named(call, match):
    params, _ = _twins()
    with pytest.raises((ValueError, TypeError), match=match):
        call(params)
