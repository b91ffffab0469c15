import numpy as np
import pytest

from hubel.training.config import TrainConfig
from hubel.training.run import Run, resume_config, resume_run

SAVED = TrainConfig(hidden=(8,), epochs=2)


def test_resume_refuses_every_option_that_differs_from_the_run_naming_each():
    with pytest.raises(ValueError) as caught:
        resume_config(SAVED, {"lr": 0.5, "optimizer": "sgd", "hidden": (7,), "seed": None})
    message = str(caught.value)
    assert "keeps the config it started with" in message
    for part in ("lr = 0.5 (the run has 0.001)", "optimizer = 'sgd' (the run has 'adam')"):
        assert part in message
    assert "hidden = (7,) (the run has (8,))" in message and "seed" not in message


def test_resume_accepts_options_equal_to_the_runs_own():
    config = resume_config(SAVED, {"hidden": [8], "optimizer": "adam", "lr": 0.001})
    assert config == SAVED.resolved()


def test_epochs_of_a_constant_schedule_run_may_change():
    assert resume_config(SAVED, {"epochs": 5}).epochs == 5


@pytest.mark.parametrize("scheduler", ["step", "cosine"])
def test_epochs_of_a_schedule_laid_out_over_the_run_cannot_change(scheduler):
    saved = TrainConfig(hidden=(8,), epochs=6, scheduler=scheduler)
    with pytest.raises(ValueError, match=f"epochs: the run's '{scheduler}' .* over its 6 epochs"):
        resume_config(saved, {"epochs": 10})
    assert resume_config(saved, {"epochs": 6}).epochs == 6


def test_resume_may_move_the_data_but_not_onto_digits():
    saved = TrainConfig(dataset="cifar10", data_root="/old")
    assert resume_config(saved, {"data_root": "/new"}).data_root == "/new"
    with pytest.raises(ValueError, match="data_root: the digits dataset is bundled"):
        resume_config(SAVED, {"data_root": "/new"})


def test_augmented_mlp_batches_keep_image_shape_until_the_model_flattens():
    run = Run(TrainConfig(hidden=(8,), dropout=0.2, augment=True, val_fraction=0.1), "unused")
    plain = Run(TrainConfig(hidden=(8,), dropout=0.2, val_fraction=0.1), "unused")
    images, _ = next(iter(run.trainer.train_loader))
    reference, _ = next(iter(plain.trainer.train_loader))
    assert images.shape == (64, 1, 8, 8) and str(images.dtype) == "float32"
    assert run.model(images).shape == (64, 10)
    shifted = images.detach().numpy()
    assert shifted.min() == 0.0 and shifted.max() <= 1.0
    assert not np.array_equal(shifted, reference.detach().numpy())  # the crops moved the digits
    assert sorted(np.unique(shifted * 16).tolist()) == list(range(17))  # still x / 16 of uint8


def test_resuming_a_folder_that_does_not_exist_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="resume: no run folder '.*nope'"):
        resume_run(tmp_path / "nope")
