import pytest
from conftest import render_from_json

from hubel.lab import optimizers


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(optimizers.EXPERIMENT.name)


def distance(data, surface, optimizer):
    return data["surfaces"][surface]["paths"][optimizer]["distance_to_minimum"]


def test_momentum_crosses_the_ill_conditioned_valley_faster_than_sgd(data):
    sgd = distance(data, "ill-conditioned quadratic", "SGD")
    assert sgd > 0.3
    for optimizer in ("momentum", "Nesterov", "Adam"):
        assert distance(data, "ill-conditioned quadratic", optimizer) < sgd / 10


def test_sgd_stops_in_the_local_minimum_and_momentum_rolls_past_it(data):
    assert distance(data, "local minimum", "SGD") > 1.5  # at the local minimum near x = 0.96
    assert distance(data, "local minimum", "momentum") < 0.05
    assert distance(data, "local minimum", "Nesterov") < 0.05


def test_momentum_gets_further_along_rosenbrocks_valley(data):
    sgd = distance(data, "Rosenbrock", "SGD")
    assert distance(data, "Rosenbrock", "momentum") < sgd / 3
    assert distance(data, "Rosenbrock", "Adam") < sgd


def test_momentum_trains_the_digits_faster_than_plain_sgd(data):
    digits = data["digits"]
    final = {name: sum(entry["loss"][-20:]) / 20 for name, entry in digits.items()}
    assert final["momentum"] < final["SGD"] / 2
    assert all(entry["test_accuracy"] > 0.7 for entry in digits.values())


def test_optimizers_figure_renders(data, tmp_path):
    render_from_json(optimizers.EXPERIMENT, data, tmp_path)
