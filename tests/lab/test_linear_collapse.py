import numpy as np
import pytest
from conftest import render_from_json

from hubel.lab import linear_collapse


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(linear_collapse.EXPERIMENT.name)


def test_deep_linear_net_fits_no_better_than_one_linear_layer(data):
    models = data["models"]
    linear, deep = models["one linear layer"]["accuracy"], models["deep linear"]["accuracy"]
    assert linear < 0.8 and deep < 0.8  # spirals are not linearly separable
    assert deep <= linear + 0.03


def test_same_depth_with_relu_fits_the_spirals(data):
    assert data["models"]["deep ReLU"]["accuracy"] > 0.95
    assert data["models"]["deep ReLU"]["loss"] < 0.2 < data["models"]["deep linear"]["loss"]


def test_product_of_weight_matrices_is_the_deep_linear_net(data):
    assert np.asarray(data["collapsed_weight"]).shape == (2, 2)
    assert data["collapse_max_error"] < 1e-5 * max(1.0, data["output_scale"])


def test_linear_collapse_figure_renders(data, tmp_path):
    render_from_json(linear_collapse.EXPERIMENT, data, tmp_path)
