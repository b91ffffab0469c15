import pytest
from conftest import render_from_json

from hubel.lab import exploding_gradients as exploding

LARGE = f"{exploding.LARGE_GAIN}x Kaiming"


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(exploding.EXPERIMENT.name)


def test_large_init_multiplies_the_gradient_by_orders_of_magnitude(data):
    at_init = data["at_init"]
    assert at_init["1.5"][0] > 1000 * at_init["1"][0]
    assert at_init["2"][0] > 100 * at_init["1.5"][0]  # (2 / 1.5)^19 ≈ 240


def test_without_clipping_sgd_diverges(data):
    run = data["training"][f"{LARGE}, no clipping"]
    assert run["diverged_at"] is not None and run["diverged_at"] <= 10


def test_clipping_the_gradient_norm_lets_the_same_net_train(data):
    run = data["training"][f"{LARGE}, clip norm {exploding.MAX_NORM:g}"]
    assert run["diverged_at"] is None
    assert run["loss"][0] > 100
    assert sum(run["loss"][-10:]) / 10 < 2.5
    assert max(run["gradient_norm"]) > 100 * exploding.MAX_NORM  # clipping had work to do


def test_kaiming_needs_no_clipping(data):
    run = data["training"]["Kaiming, no clipping"]
    assert run["diverged_at"] is None and sum(run["loss"][-10:]) / 10 < 2.0


def test_exploding_gradients_figure_renders(data, tmp_path):
    render_from_json(exploding.EXPERIMENT, data, tmp_path)
