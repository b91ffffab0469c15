import numpy as np
import pytest
from conftest import render_from_json

from hubel.lab import activations


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(activations.EXPERIMENT.name)


@pytest.mark.parametrize("name", list(activations.FUNCTIONS))
def test_autograd_derivative_matches_closed_form(data, name):
    assert data["functions"][name]["max_error"] < 1e-12


def test_sigmoid_derivative_peaks_at_a_quarter(data):
    sigmoid = data["functions"]["sigmoid"]
    y, grad = np.asarray(sigmoid["y"]), np.asarray(sigmoid["autograd"])
    np.testing.assert_allclose(grad, y * (1 - y), atol=1e-15)
    assert 0.2499 < grad.max() <= 0.25


def test_relu_derivative_is_a_step(data):
    x, grad = np.asarray(data["x"]), np.asarray(data["functions"]["relu"]["autograd"])
    assert np.array_equal(grad, (x > 0).astype(float))


def test_activations_figure_renders(data, tmp_path):
    render_from_json(activations.EXPERIMENT, data, tmp_path)
