import pytest
from conftest import render_from_json

from hubel.lab import init_scale


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(init_scale.EXPERIMENT.name)


def last_std(data, activation, init):
    return data["nets"][activation][init]["std"][-1]


def test_depth_is_at_least_twenty(data):
    assert data["depth"] >= 20
    assert all(len(stats["std"]) == data["depth"] for stats in data["nets"]["relu"].values())


def test_xavier_keeps_tanh_alive(data):
    assert last_std(data, "tanh", "Xavier") > 0.1
    assert data["nets"]["tanh"]["Xavier"]["saturated"][-1] < 0.01


def test_kaiming_keeps_relu_alive(data):
    stds = data["nets"]["relu"]["Kaiming"]["std"]
    assert 0.3 < stds[-1] / stds[0] < 3


def test_small_init_vanishes_in_both(data):
    assert last_std(data, "tanh", "small N(0, 0.01²)") < 1e-10
    assert last_std(data, "relu", "small N(0, 0.01²)") < 1e-10


def test_large_init_saturates_tanh_and_explodes_relu(data):
    assert data["nets"]["tanh"]["large N(0, 1)"]["saturated"][-1] > 0.5
    assert last_std(data, "relu", "large N(0, 1)") > 1e10


def test_xavier_lets_relu_shrink(data):
    # Xavier ignores that ReLU zeroes half the inputs: the variance halves at every layer.
    assert last_std(data, "relu", "Xavier") < 0.01 * data["nets"]["relu"]["Xavier"]["std"][0]


def test_init_scale_figure_renders(data, tmp_path):
    render_from_json(init_scale.EXPERIMENT, data, tmp_path)
