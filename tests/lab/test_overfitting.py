"""The overfitting lesson, as its text states it, over seeds 0-2 of the quick form."""

import pytest
from conftest import render_from_json

from hubel.lab import overfitting

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def data(request, lab_data):
    return lab_data(overfitting.EXPERIMENT.name, request.param)


def final(entry, key):
    """Mean of the last four evaluations (the last 200 steps): SGD's losses jitter."""
    return sum(entry[key][-4:]) / 4


def gap(entry):
    """Validation loss minus training loss at the end of training."""
    return final(entry, "val_loss") - final(entry, "train_loss")


def climb(entry):
    """How far the final validation loss has risen above its best, relative to the best."""
    return final(entry, "val_loss") / min(entry["val_loss"]) - 1


def test_unregularised_net_fits_the_noise_while_validation_climbs(data):
    none = data["settings"]["none"]
    assert final(none, "train_loss") < 0.2
    assert final(none, "train_accuracy") >= 0.9  # the last four evaluations: SGD jitters
    assert final(none, "val_loss") > 2 * min(none["val_loss"])  # it turned around and climbed
    assert gap(none) > 0.5


@pytest.mark.parametrize("setting", ["L2", "augmentation"])
def test_l2_and_augmentation_hold_validation_near_its_best(data, setting):
    assert climb(data["settings"][setting]) < 0.2


@pytest.mark.parametrize("setting", ["L1", "dropout"])
def test_l1_and_dropout_cut_the_climb_by_more_than_half(data, setting):
    assert climb(data["settings"][setting]) < climb(data["settings"]["none"]) / 2


@pytest.mark.parametrize("setting", ["L2", "L1", "dropout", "augmentation"])
def test_every_regulariser_narrows_the_gap_and_lowers_validation_loss(data, setting):
    none, entry = data["settings"]["none"], data["settings"][setting]
    assert gap(entry) < gap(none) / 1.5
    assert final(entry, "val_loss") < final(none, "val_loss")


def test_l1_makes_the_weights_sparse(data):
    sparsity = {name: entry["sparsity"] for name, entry in data["settings"].items()}
    assert sparsity["L1"] > 0.9
    assert sparsity["none"] < 0.05
    assert sparsity["L1"] > sparsity["L2"] + 0.2


def test_overfitting_figure_renders(data, tmp_path):
    render_from_json(overfitting.EXPERIMENT, data, tmp_path)
