import pytest
from conftest import render_from_json

from hubel.lab import depthwise


@pytest.fixture(scope="module")
def data():
    return depthwise.run(quick=True, seed=0)


def test_mac_ratio_is_one_over_n_plus_one_over_f_squared(data):
    for row in data["rows"]:
        assert row["mac_ratio"] == pytest.approx(row["formula"], rel=1e-12)
        assert row["separable_params"] / row["standard_params"] == pytest.approx(row["formula"])


def test_analyzer_agrees_with_the_modules_own_weights(data):
    for row in data["rows"]:
        assert row["module_params"] == [row["standard_params"], row["separable_params"]]
        assert row["module_macs"] == [row["standard_macs"], row["separable_macs"]]


def test_separable_is_about_eight_times_cheaper_at_64_channels_and_more(data):
    for row in data["rows"]:
        if row["channels"] >= 64:
            assert row["standard_macs"] / row["separable_macs"] > 7.5


def test_separable_runs_faster_once_the_arithmetic_dominates(data):
    largest = data["rows"][-1]
    assert largest["channels"] >= 128
    assert largest["time_ratio"] < 0.8


def test_depthwise_figure_renders(data, tmp_path):
    render_from_json(depthwise.EXPERIMENT, data, tmp_path)
