import numpy as np
import pytest
from conftest import render_from_json

from hubel.lab import filters


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(filters.EXPERIMENT.name)


def test_cnn_learns_the_digits(data):
    assert data["test_accuracy"] > 0.9


def test_first_layer_filters_turn_from_noise_into_smooth_patterns(data):
    assert abs(data["smoothness_initial"]) < 0.2  # random weights: neighbours uncorrelated
    assert data["smoothness_trained"] > 0.15
    assert data["smoothness_trained"] > data["smoothness_initial"] + 0.2
    initial, trained = np.asarray(data["initial_filters"]), np.asarray(data["filters"])
    assert np.linalg.norm(trained - initial) > 2 * np.linalg.norm(initial)  # learned, not kept


def test_smoothness_of_noise_is_zero_and_of_a_smooth_edge_is_high():
    noise = np.random.default_rng(0).normal(size=(500, 5, 5))
    assert abs(filters.smoothness(noise)) < 0.05
    ramp = np.tile(np.linspace(-1, 1, 5), (5, 1))[None]  # a vertical edge detector
    assert filters.smoothness(ramp) > 0.5


def test_second_layer_sees_wider_regions_at_lower_resolution(data):
    assert data["receptive_field_layer1"] == 5 and data["receptive_field_layer2"] == 10
    assert np.asarray(data["maps_layer1"]).shape == (8, 16, 16)
    assert np.asarray(data["maps_layer2"]).shape == (16, 8, 8)


def test_filters_figure_renders(data, tmp_path):
    render_from_json(filters.EXPERIMENT, data, tmp_path)
