import math

import numpy as np
import pytest
import torch

import hubel as hb
from hubel.nn import init

SHAPE = (400, 600)  # fan_out = 400, fan_in = 600


def big():
    return hb.zeros(*SHAPE)


def test_xavier_uniform_bound_is_sqrt_6_over_fan_sum():
    w = init.xavier_uniform_(big()).detach().numpy()
    bound = math.sqrt(6 / (600 + 400))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_xavier_normal_std():
    w = init.xavier_normal_(big(), gain=2.0).detach().numpy()
    assert w.std() == pytest.approx(2.0 * math.sqrt(2 / 1000), rel=0.02)


def test_kaiming_normal_for_relu_is_n_0_2_over_fan_in():
    w = init.kaiming_normal_(big(), nonlinearity="relu").detach().numpy()
    assert w.mean() == pytest.approx(0, abs=0.002)
    assert w.var() == pytest.approx(2 / 600, rel=0.02)


def test_kaiming_uniform_fan_out_bound():
    w = init.kaiming_uniform_(big(), mode="fan_out", nonlinearity="relu").detach().numpy()
    bound = math.sqrt(2) * math.sqrt(3 / 400)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound


def test_conv_fans_include_the_receptive_field():
    w = init.kaiming_normal_(hb.zeros(64, 32, 3, 3), nonlinearity="relu").detach().numpy()
    assert w.var() == pytest.approx(2 / (32 * 9), rel=0.05)


@pytest.mark.parametrize(
    "name,param",
    [
        ("linear", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("conv2d", None),
        ("selu", None),
    ],
)
def test_calculate_gain_equals_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param)
    )


def test_zeros_constant_uniform_normal():
    t = hb.ones(1000)
    assert not init.zeros_(t).detach().numpy().any()
    assert (init.constant_(t, 0.3).detach().numpy() == np.float32(0.3)).all()
    u = init.uniform_(t, -2, 3).detach().numpy()
    assert u.min() >= -2 and u.max() <= 3 and u.mean() == pytest.approx(0.5, abs=0.15)
    assert init.normal_(hb.zeros(100_000), 1.0, 0.5).detach().numpy().std() == pytest.approx(
        0.5, rel=0.02
    )


def test_init_keeps_dtype_and_records_no_graph():
    w = hb.zeros(3, 4, dtype=hb.float64, requires_grad=True)
    init.xavier_uniform_(w)
    assert w.dtype == hb.float64 and w.is_leaf


def test_init_is_reproducible_under_manual_seed():
    hb.manual_seed(3)
    a = init.kaiming_uniform_(hb.zeros(5, 5)).detach().numpy().copy()
    hb.manual_seed(3)
    np.testing.assert_array_equal(a, init.kaiming_uniform_(hb.zeros(5, 5)).detach().numpy())


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        init.xavier_uniform_(hb.zeros(5))


def test_unknown_nonlinearity_is_named():
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_bad_kaiming_mode_is_named():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_normal_(big(), mode="fan_avg")
