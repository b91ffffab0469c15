import numpy as np
import pytest
from conftest import render_from_json

from hubel.lab import zero_init


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(zero_init.EXPERIMENT.name)


@pytest.mark.parametrize("scheme", ["zeros", "constant 0.01"])
def test_equal_initial_weights_keep_hidden_units_identical(data, scheme):
    entry = data["inits"][scheme]
    assert max(entry["row_spread"]) < 1e-7
    assert max(entry["spread_curve"]) < 1e-7  # at every step, not only at the end


def test_constant_init_still_learns_but_as_one_unit(data):
    constant = data["inits"]["constant 0.01"]
    weight = np.asarray(constant["first_weight"])
    assert np.abs(weight - 0.01).max() > 0.01  # the weights moved ...
    assert constant["test_accuracy"] < 0.6  # ... but 32 copies of one unit learn little


def test_random_init_breaks_the_symmetry(data):
    random = data["inits"]["random (default)"]
    assert min(random["row_spread"]) > 0.1
    assert random["test_accuracy"] > 0.9
    assert data["inits"]["zeros"]["test_accuracy"] < 0.2


def test_zero_init_figure_renders(data, tmp_path):
    render_from_json(zero_init.EXPERIMENT, data, tmp_path)
