import pytest
from conftest import render_from_json

import hubel as hb
from hubel.lab import residual


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(residual.EXPERIMENT.name)


def final_loss(data, name):
    return data["nets"][name]["final_loss"]


def test_deeper_plain_net_trains_worse_the_degradation_problem(data):
    assert final_loss(data, "plain-56") > final_loss(data, "plain-20") + 0.4


def test_residual_56_does_not_degrade(data):
    assert final_loss(data, "resnet-56") < final_loss(data, "plain-20") - 0.2
    assert final_loss(data, "resnet-56") < final_loss(data, "plain-56") - 1.0
    plain_gap = final_loss(data, "plain-56") - final_loss(data, "plain-20")
    residual_gap = final_loss(data, "resnet-56") - final_loss(data, "resnet-20")
    assert residual_gap < plain_gap


def test_plain_56_first_layer_gradient_explodes_then_vanishes_and_residual_56_does_not(data):
    first = {name: entry["first_layer_gradient"] for name, entry in data["nets"].items()}
    assert first["plain-56"][0] > 20 * first["plain-20"][0]  # at initialisation
    assert first["resnet-56"][0] < 10 * first["resnet-20"][0]
    late = {name: residual.late_mean(values) for name, values in first.items()}
    assert late["plain-56"] < 0.1 * late["resnet-56"]  # once training is under way
    assert late["resnet-56"] > 0.2 * late["resnet-20"]


def test_plain_and_residual_twins_have_the_same_parameters(data):
    nets = data["nets"]
    assert nets["plain-56"]["parameters"] == nets["resnet-56"]["parameters"]
    assert nets["plain-20"]["parameters"] == nets["resnet-20"]["parameters"]


@pytest.mark.parametrize(
    ("depth", "skip", "zoo_name"), [(20, False, "plain20"), (56, True, "resnet56")]
)
def test_at_the_zoos_widths_the_lab_nets_are_the_zoos_nets(depth, skip, zoo_name):
    model = residual.CifarNet(depth, (16, 32, 64), skip, in_channels=3)
    assert sum(p.numel() for p in model.parameters()) == hb.models.parameter_count(zoo_name)


def test_quick_nets_have_the_cifar_resnet_structure():
    model = residual.CifarNet(56, (4, 8, 16), skip=True)
    assert sum(1 for m in model.modules() if isinstance(m, hb.nn.Conv2d)) == 55  # + fc = 56
    assert model(hb.randn(2, 1, 8, 8)).shape == (2, 10)


def test_residual_figure_renders(data, tmp_path):
    render_from_json(residual.EXPERIMENT, data, tmp_path)
