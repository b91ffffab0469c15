import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_matches_torch

import hubel as hb
import hubel.functional as F


@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 5), (3, 2, 4, 4)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_torch(shape, affine):
    c = shape[1]
    rng = np.random.default_rng(2)
    inputs = [rng.standard_normal(shape) * 2 + 1]
    if affine:
        inputs += [rng.uniform(0.5, 1.5, c), rng.standard_normal(c)]

    def hb_fn(x, w=None, b=None):
        return F.batch_norm(x, None, None, w, b, training=True)

    def th_fn(x, w=None, b=None):
        return TF.batch_norm(x, None, None, w, b, training=True)

    assert_matches_torch(hb_fn, th_fn, inputs=inputs, gc_atol=1e-5)


def test_batch_norm_channels_last_matches_torch_at_every_width():
    """Channels-last maps (as conv returns them) take the wide-row passes; an odd count of
    rows (7·3·5) falls back to r = 1."""
    for shape in [(4, 16, 8, 8), (7, 5, 3, 5), (2, 130, 4, 4)]:
        x = np.random.default_rng(0).standard_normal(shape)
        nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        assert_matches_torch(
            lambda t, w, b: F.batch_norm(t, None, None, w, b, training=True),
            lambda t, w, b: TF.batch_norm(t, None, None, w, b, training=True),
            inputs=[nhwc.transpose(0, 3, 1, 2), np.linspace(0.5, 2, shape[1]), np.ones(shape[1])],
        )


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 4, 4)])
def test_batch_norm_eval_matches_torch(shape):
    c = shape[1]
    rng = np.random.default_rng(3)
    mean, var = rng.standard_normal(c), rng.uniform(0.5, 2, c)

    def hb_fn(x, w, b):
        return F.batch_norm(
            x, hb.tensor(mean.astype(x.dtype)), hb.tensor(var.astype(x.dtype)), w, b, training=False
        )

    def th_fn(x, w, b):
        return TF.batch_norm(
            x,
            torch.tensor(mean, dtype=x.dtype),
            torch.tensor(var, dtype=x.dtype),
            w,
            b,
            training=False,
        )

    assert_matches_torch(hb_fn, th_fn, shapes=[shape, (c,), (c,)])


def test_batch_norm_updates_running_stats_like_torch():
    x = np.random.default_rng(4).standard_normal((8, 3)) * 3 + 2
    rm, rv = hb.zeros(3), hb.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    for _ in range(3):
        F.batch_norm(hb.tensor(x, dtype=hb.float32), rm, rv, training=True, momentum=0.1)
        TF.batch_norm(torch.tensor(x, dtype=torch.float32), trm, trv, training=True, momentum=0.1)
    np.testing.assert_allclose(rm.detach().numpy(), trm.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(rv.detach().numpy(), trv.detach().numpy(), rtol=1e-6)


def test_batch_norm_refuses_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="expected more than 1 value per channel"):
        F.batch_norm(hb.randn(1, 3), hb.zeros(3), hb.ones(3), training=True)


def test_batch_norm_wrong_parameter_shape_is_named():
    with pytest.raises(ValueError, match=r"expected weight of shape \(3,\) .* got \(4,\)"):
        F.batch_norm(hb.randn(2, 3), None, None, hb.ones(4), None, training=True)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    shapes = [shape, (7, 3)] + ([(7,)] if bias else [])
    assert_matches_torch(F.linear, TF.linear, shapes=shapes)


def test_linear_input_mismatch_names_shapes():
    with pytest.raises(
        ValueError,
        match=r"linear: expected input of shape \(\.\.\., 3\) for "
        r"weight \(7, 3\), got \(5, 4\)",
    ):
        F.linear(hb.randn(5, 4), hb.randn(7, 3))


def test_linear_dtype_mismatch_is_explained():
    with pytest.raises(TypeError, match="input dtype float64 does not match weight dtype float32"):
        F.linear(hb.randn(5, 3, dtype=hb.float64), hb.randn(7, 3))


def test_dropout_zeroes_about_p_and_keeps_the_expected_value():
    x = hb.ones(200_000)
    y = F.dropout(x, p=0.3, training=True).detach().numpy()
    kept = y != 0
    assert abs(1 - kept.mean() - 0.3) < 0.005
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01


def test_dropout_gradient_uses_the_same_mask():
    x = hb.randn(1000, requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.backward(hb.ones(1000))
    np.testing.assert_array_equal(x.grad.numpy() != 0, y.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy()[y.detach().numpy() != 0], 2.0)


def test_dropout_is_identity_in_eval_and_at_p_zero():
    x = hb.randn(10)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).detach().numpy().any()


def test_dropout2d_drops_whole_channels():
    y = F.dropout2d(hb.ones(4, 50, 3, 3), p=0.5).detach().numpy()
    per_channel = y.reshape(4, 50, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()


def test_dropout_same_seed_same_mask():
    hb.manual_seed(5)
    a = F.dropout(hb.ones(100)).detach().numpy()
    hb.manual_seed(5)
    b = F.dropout(hb.ones(100)).detach().numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5"])
def test_dropout_p_out_of_range_is_named(p):
    with pytest.raises(ValueError, match="p is the drop probability and must be in"):
        F.dropout(hb.randn(3), p)
