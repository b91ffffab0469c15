import pytest
from conftest import render_from_json

from hubel.lab import depthwise


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(depthwise.EXPERIMENT.name)


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


def test_every_row_has_its_measured_times(data):
    # The times themselves are measurements, not asserted (no timed assertions in tests): the
    # ratio must be the two recorded times' quotient, for every channel count up to 128.
    assert data["rows"][-1]["channels"] >= 128
    for row in data["rows"]:
        assert row["standard_seconds"] > 0 and row["separable_seconds"] > 0
        ratio = row["separable_seconds"] / row["standard_seconds"]
        assert row["time_ratio"] == pytest.approx(ratio)


def test_depthwise_figure_renders(data, tmp_path):
    render_from_json(depthwise.EXPERIMENT, data, tmp_path)
