import pytest
from conftest import render_from_json

from hubel.lab import vanishing_gradients as vanishing


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(vanishing.EXPERIMENT.name)


def first_over_last(data, name, depth):
    norms = data["at_init"][name][str(depth)]
    return norms[0] / norms[-1]


def test_sigmoid_first_layer_gradient_vanishes_at_depth_20(data):
    assert first_over_last(data, "sigmoid", 20) < 0.01
    ratios = [first_over_last(data, "sigmoid", depth) for depth in data["depths"]]
    assert ratios == sorted(ratios, reverse=True)  # the deeper, the smaller


def test_relu_with_kaiming_keeps_gradients_within_10x(data):
    for depth in (5, 10, 20):
        assert 0.1 < first_over_last(data, "ReLU + Kaiming", depth) < 10


def test_batchnorm_rescues_sigmoid(data):
    for depth in data["depths"]:
        assert first_over_last(data, "sigmoid + BN", depth) > 0.1


def test_during_training_sigmoid_first_layer_stays_starved_and_loss_stays_at_chance(data):
    training = data["training"]
    sigmoid = training["sigmoid"]
    assert max(f / last for f, last in zip(sigmoid["first"], sigmoid["last"])) < 0.01
    assert sum(sigmoid["loss"][-10:]) / 10 > 2.2  # ln 10 = 2.30: no better than chance
    for name in ("sigmoid + BN", "ReLU + Kaiming + BN"):
        assert sum(training[name]["loss"][-10:]) / 10 < 1.0


def test_vanishing_gradients_figure_renders(data, tmp_path):
    render_from_json(vanishing.EXPERIMENT, data, tmp_path)
