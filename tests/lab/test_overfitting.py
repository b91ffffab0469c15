import pytest
from conftest import render_from_json

from hubel.lab import overfitting


@pytest.fixture(scope="module")
def data():
    return overfitting.run(quick=True, seed=0)


def final(entry, key):
    """Mean of the last four evaluations (the last 200 steps): SGD's losses jitter."""
    return sum(entry[key][-4:]) / 4


def gap(entry):
    """Validation loss minus training loss at the end of training."""
    return final(entry, "val_loss") - final(entry, "train_loss")


def test_unregularised_net_overfits(data):
    none = data["settings"]["none"]
    assert final(none, "train_loss") < 0.25
    assert final(none, "val_loss") > 2 * min(none["val_loss"])  # it turned around and climbed
    assert gap(none) > 0.5


@pytest.mark.parametrize("setting", ["L2", "L1", "dropout", "augmentation"])
def test_regulariser_keeps_validation_close_to_training(data, setting):
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
