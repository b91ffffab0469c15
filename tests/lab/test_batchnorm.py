import pytest
from conftest import render_from_json

from hubel.lab import batchnorm


@pytest.fixture(scope="module")
def data(lab_data):
    return lab_data(batchnorm.EXPERIMENT.name)


def test_high_learning_rate_breaks_the_net_without_bn_and_not_the_one_with_it(data):
    curves = data["curves"]
    without = curves[f"no BN, lr {batchnorm.HIGH_LR}"]
    assert without["diverged_at"] is not None or without["test_accuracy"] < 0.3  # NaN, or dead
    with_bn = curves[f"BN, lr {batchnorm.HIGH_LR}"]
    assert with_bn["diverged_at"] is None and with_bn["test_accuracy"] > 0.9
    assert curves[f"no BN, lr {batchnorm.SAFE_LR}"]["test_accuracy"] > 0.85


def test_train_mode_and_eval_mode_give_different_outputs_for_the_same_input(data):
    assert data["train_vs_eval_max_gap"] > 0.1


def test_only_train_mode_output_depends_on_the_other_images_in_the_batch(data):
    assert data["train_mode_batch_dependence"] > 0.1
    assert data["eval_mode_batch_dependence"] == 0.0


def test_running_statistics_never_updated_collapse_test_accuracy(data):
    accuracy = data["test_accuracy"]
    assert accuracy["eval mode, running statistics"] > 0.9
    assert (
        accuracy["eval mode, statistics never updated"]
        < accuracy["eval mode, running statistics"] - 0.25
    )


def test_batchnorm_figure_renders(data, tmp_path):
    render_from_json(batchnorm.EXPERIMENT, data, tmp_path)
