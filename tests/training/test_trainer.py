import json
import math
import os
import signal

import numpy as np
import pytest

import hubel as hb
import hubel.functional as F
from hubel import nn, optim
from hubel.data import DataLoader, TensorDataset
from hubel.training import Trainer, TrainingDiverged, TrainingInterrupted, evaluate
from hubel.training.checkpoint import load_checkpoint
from hubel.training.trainer import non_finite_entries


def make_setup(run_dir=None, epochs=4, loss_fn=F.cross_entropy, **options):
    hb.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 10)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + 2 * (x[:, 2] > 0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 4))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    train = DataLoader(TensorDataset(x[:64], y[:64]), batch_size=16, shuffle=True, seed=1)
    val = DataLoader(TensorDataset(x[64:], y[64:]), batch_size=32)
    trainer = Trainer(
        model,
        opt,
        train,
        val,
        epochs=epochs,
        scheduler=sched,
        run_dir=run_dir,
        progress=False,
        loss_fn=loss_fn,
        **options,
    )
    return trainer


def weights(trainer):
    return {k: v.detach().numpy().copy() for k, v in trainer.model.state_dict().items()}


def test_four_epochs_equal_two_then_resume_then_two(tmp_path):
    straight = make_setup(tmp_path / "a", epochs=4)
    straight.fit()
    first = make_setup(tmp_path / "b", epochs=2)
    first.fit()
    second = make_setup(tmp_path / "b", epochs=4)
    second.fit(resume=True)
    for key, value in weights(straight).items():
        np.testing.assert_array_equal(value, weights(second)[key], err_msg=key)
    timing = ("seconds", "images_per_second")
    strip = [{k: v for k, v in row.items() if k not in timing} for row in second.history]
    assert strip == [{k: v for k, v in row.items() if k not in timing} for row in straight.history]
    assert [r["lr"] for r in second.history] == [0.01, 0.01, 0.005, 0.005]
    lines = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3, 4]


def test_ctrl_c_saves_mid_epoch_and_resume_matches_an_uninterrupted_run(tmp_path):
    straight = make_setup(tmp_path / "a", epochs=2)
    straight.fit()
    calls = {"n": 0}

    def interrupting_loss(logits, labels, **kw):
        calls["n"] += 1
        if calls["n"] == 6:  # epoch 2, batch 1 (call 5 was validation)
            os.kill(os.getpid(), signal.SIGINT)
        return F.cross_entropy(logits, labels, **kw)

    interrupted = make_setup(tmp_path / "b", epochs=2, loss_fn=interrupting_loss)
    with pytest.raises(TrainingInterrupted, match="interrupted during epoch 2.*--resume"):
        interrupted.fit()
    state = load_checkpoint(tmp_path / "b")
    assert state["epoch"] == 1 and state["partial"]["count"] == 16
    resumed = make_setup(tmp_path / "b", epochs=2)
    resumed.fit(resume=True)
    for key, value in weights(straight).items():
        np.testing.assert_array_equal(value, weights(resumed)[key], err_msg=key)
    assert resumed.history[-1]["train_loss"] == straight.history[-1]["train_loss"]


def test_nan_loss_stops_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    calls = {"n": 0}

    def exploding_loss(logits, labels, **kw):
        calls["n"] += 1
        loss = F.cross_entropy(logits, labels, **kw)
        return loss * math.nan if calls["n"] == 7 else loss

    trainer = make_setup(tmp_path, epochs=3, loss_fn=exploding_loss)
    with pytest.raises(
        TrainingDiverged,
        match=r"loss became nan at epoch 2, batch 2 \(step 6\)"
        r".*end of epoch 1.*lower the learning rate",
    ):
        trainer.fit()
    assert load_checkpoint(tmp_path)["epoch"] == 1


def test_crash_while_writing_a_checkpoint_leaves_the_previous_one_intact(tmp_path, monkeypatch):
    trainer = make_setup(tmp_path, epochs=1)
    trainer.fit()
    before = (tmp_path / "checkpoint.npz").read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    trainer.epochs = 2
    with pytest.raises(OSError, match="disk full"):
        trainer.fit()
    assert (tmp_path / "checkpoint.npz").read_bytes() == before
    assert load_checkpoint(tmp_path)["epoch"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_early_stopping_stops_after_patience_epochs_without_improvement(tmp_path):
    trainer = make_setup(tmp_path, epochs=30, patience=2)
    trainer.optimizer.param_groups[0]["lr"] = 0.5  # too high to keep improving
    trainer.scheduler = None
    history = trainer.fit()
    assert len(history) < 30
    best = min(r["val_loss"] for r in history)
    assert all(r["val_loss"] >= best for r in history[-2:])
    assert (tmp_path / "best.npz").is_file()


def test_gradient_clipping_bounds_the_update(tmp_path):
    trainer = make_setup(None, epochs=1, clip_grad_norm=1e-6)
    before = weights(trainer)
    trainer.optimizer = optim.SGD(trainer.model.parameters(), lr=1.0)
    trainer.scheduler = None
    trainer.fit()
    change = sum(np.abs(weights(trainer)[k] - v).sum() for k, v in before.items())
    assert 0 < change < 1e-4


def test_evaluate_restores_training_mode_and_counts_correctly():
    trainer = make_setup()
    trainer.model.train()
    result = evaluate(trainer.model, trainer.val_loader)
    assert trainer.model.training
    assert result["predictions"].shape == (32,)
    assert result["accuracy"] == (result["predictions"] == result["targets"]).mean()


def test_trainer_rejects_bad_options():
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        make_setup(epochs=0)
    with pytest.raises(ValueError, match="patience must be a positive int or None, got -1"):
        make_setup(patience=-1)


def test_resume_without_checkpoint_says_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*pass the run folder"):
        make_setup(tmp_path).fit(resume=True)


def test_a_nan_validation_loss_stops_and_keeps_the_previous_checkpoint(tmp_path):
    def nan_in_second_validation(logits, labels, reduction="mean"):
        loss = F.cross_entropy(logits, labels, reduction=reduction)
        validating = reduction == "sum"
        calls["validations"] += validating
        return loss * math.nan if validating and calls["validations"] == 2 else loss

    calls = {"validations": 0}
    trainer = make_setup(tmp_path, epochs=3, loss_fn=nan_in_second_validation)
    with pytest.raises(
        TrainingDiverged,
        match=r"validation loss became nan at the end of epoch 2; the last good checkpoint "
        r"\(end of epoch 1, validation loss \d\.\d+\) is kept",
    ):
        trainer.fit()
    state = load_checkpoint(tmp_path)
    assert state["epoch"] == 1 and math.isfinite(state["history"][-1]["val_loss"])
    assert len((tmp_path / "metrics.jsonl").read_text().splitlines()) == 1


def poisoning_loss(trainer, at_call, poison):
    """A loss that calls ``poison(trainer)`` on its ``at_call``-th training call."""
    calls = {"n": 0}

    def loss(logits, labels, reduction="mean"):
        if reduction == "mean":
            calls["n"] += 1
            if calls["n"] == at_call:
                poison(trainer)
        return F.cross_entropy(logits, labels, reduction=reduction)

    return loss


def test_non_finite_weights_stop_the_run_even_when_every_loss_is_finite(tmp_path):
    trainer = make_setup(tmp_path, epochs=3)
    trainer.val_loader = None  # nothing but the weights themselves can tell

    def poison(trainer):
        trainer.model[0].bias.data[:] = math.inf  # after the batch's loss: no loss sees it

    trainer.loss_fn = poisoning_loss(trainer, 8, poison)  # epoch 2, last batch
    with pytest.raises(
        TrainingDiverged,
        match=r"the weights became non-finite \(0.bias\) at the end of epoch 2; the last good "
        r"checkpoint \(end of epoch 1\)",
    ):
        trainer.fit()
    assert load_checkpoint(tmp_path)["epoch"] == 1


def test_a_non_finite_optimizer_state_stops_the_run(tmp_path):
    trainer = make_setup(tmp_path, epochs=3)

    def poison(trainer):
        weight = trainer.model[0].weight
        trainer.optimizer.state[weight]["exp_avg_sq"][:] = math.inf  # step: m / inf = 0

    trainer.loss_fn = poisoning_loss(trainer, 8, poison)
    with pytest.raises(
        TrainingDiverged, match=r"the optimizer state became non-finite \(state.0.exp_avg_sq\)"
    ):
        trainer.fit()
    state = load_checkpoint(tmp_path)
    assert state["epoch"] == 1 and np.isfinite(state["optimizer"]["state"][0]["exp_avg_sq"]).all()


def test_ctrl_c_does_not_save_non_finite_weights(tmp_path):
    trainer = make_setup(tmp_path, epochs=3)

    def poison(trainer):
        trainer.model[0].bias.data[:] = math.nan
        os.kill(os.getpid(), signal.SIGINT)

    trainer.loss_fn = poisoning_loss(trainer, 6, poison)  # epoch 2, batch 2
    with pytest.raises(TrainingDiverged, match=r"non-finite \(0.bias\) at epoch 2, batch 2"):
        trainer.fit()
    state = load_checkpoint(tmp_path)
    assert state["epoch"] == 1 and state["partial"] is None


def test_a_fresh_fit_refuses_a_run_dir_holding_a_checkpoint(tmp_path):
    make_setup(tmp_path, epochs=1).fit()
    before = (tmp_path / "checkpoint.npz").read_bytes()
    with pytest.raises(FileExistsError, match="already holds a run's checkpoint.*resume=True"):
        make_setup(tmp_path, epochs=1).fit()
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


def test_non_finite_entries_names_the_path_of_each_bad_value():
    state = {
        "model": {"fc.weight": hb.tensor([1.0, math.inf]), "fc.bias": hb.tensor([0.0])},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.array([np.nan])}}},
        "history": [{"val_loss": 0.5}, {"val_loss": -math.inf}],
        "labels": np.array([1, 2]),
    }
    assert non_finite_entries(state) == [
        "model.fc.weight",
        "optimizer.state.0.exp_avg",
        "history.1.val_loss",
    ]
