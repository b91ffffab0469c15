"""Learning-rate schedules give PyTorch's rates, step for step, and resume exactly."""

import math
import warnings

import numpy as np
import pytest
import torch
from optim_twins import assert_trajectories_match, make_model

import hubel as hb
from hubel import optim
from hubel.optim import lr_scheduler

SCHEDULES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[4, 9, 9, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=12)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=20)),
    ("OneCycleLR", dict(max_lr=[0.5, 1.0], total_steps=31)),
    (
        "OneCycleLR",
        dict(
            max_lr=0.5,
            epochs=4,
            steps_per_epoch=8,
            anneal_strategy="linear",
            three_phase=True,
            pct_start=0.4,
        ),
    ),
]


def _two_groups(model):
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.03}]


def _pair(name, options, optimizer="SGD", **optimizer_options):
    """(hubel optimizer, its scheduler, torch optimizer, its scheduler) over twin parameters."""
    opt = getattr(optim, optimizer)(_two_groups(make_model()), lr=0.1, **optimizer_options)
    twin = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    torch_opt = getattr(torch.optim, optimizer)(_two_groups(twin), lr=0.1, **optimizer_options)
    return (
        opt,
        getattr(lr_scheduler, name)(opt, **options),
        torch_opt,
        getattr(torch.optim.lr_scheduler, name)(torch_opt, **options),
    )


@pytest.mark.parametrize("name, options", SCHEDULES)
def test_learning_rates_over_30_steps_equal_torch(name, options):
    opt, scheduler, torch_opt, torch_scheduler = _pair(name, options, momentum=0.9)
    assert scheduler.get_last_lr() == torch_scheduler.get_last_lr()
    for epoch in range(30):
        opt.step()
        torch_opt.step()
        scheduler.step()
        torch_scheduler.step()
        assert scheduler.last_epoch == torch_scheduler.last_epoch == epoch + 1
        assert scheduler.get_last_lr() == torch_scheduler.get_last_lr(), f"epoch {epoch + 1}"
        for group, torch_group in zip(opt.param_groups, torch_opt.param_groups):
            assert group["lr"] == torch_group["lr"]
            assert group["momentum"] == torch_group["momentum"]
            assert group["initial_lr"] == torch_group["initial_lr"]


def test_one_cycle_cycles_adams_beta1_like_torch():
    opt, scheduler, torch_opt, torch_scheduler = _pair(
        "OneCycleLR", dict(max_lr=0.2, total_steps=12), optimizer="Adam"
    )
    for _ in range(12):
        opt.step()
        torch_opt.step()
        scheduler.step()
        torch_scheduler.step()
        assert [g["betas"] for g in opt.param_groups] == [
            g["betas"] for g in torch_opt.param_groups
        ]


def test_cosine_annealing_follows_the_closed_form():
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for t in range(1, 25):
        opt.step()
        scheduler.step()
        expected = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 10)) / 2
        assert scheduler.get_last_lr()[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name, options", SCHEDULES[:7])
def test_step_with_an_epoch_uses_the_closed_form_like_torch(name, options):
    opt, scheduler, torch_opt, torch_scheduler = _pair(name, options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (5, 13, 2):
            scheduler.step(epoch)
            torch_scheduler.step(epoch)
            assert scheduler.get_last_lr() == pytest.approx(
                torch_scheduler.get_last_lr(), rel=1e-14
            )


def test_resuming_with_last_epoch_matches_torch():
    opt, _, torch_opt, _ = _pair("CosineAnnealingLR", dict(T_max=10))
    for group in (*opt.param_groups, *torch_opt.param_groups):
        group["initial_lr"] = group["lr"]
    scheduler = lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    torch_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=10, last_epoch=4)
    for _ in range(8):
        opt.step()
        torch_opt.step()
        scheduler.step()
        torch_scheduler.step()
        assert scheduler.get_last_lr() == torch_scheduler.get_last_lr()


@pytest.mark.parametrize("name, options", SCHEDULES)
def test_scheduler_state_round_trips_through_save(name, options, tmp_path):
    opt, scheduler, _, _ = _pair(name, options)
    for _ in range(6):
        opt.step()
        scheduler.step()
    hb.save(
        {"optimizer": opt.state_dict(), "scheduler": scheduler.state_dict()}, tmp_path / "s.npz"
    )
    expected = []
    for _ in range(10):
        opt.step()
        scheduler.step()
        expected.append(scheduler.get_last_lr())
    checkpoint = hb.load(tmp_path / "s.npz")
    opt, scheduler, _, _ = _pair(name, options)
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    resumed = []
    for _ in range(10):
        opt.step()
        scheduler.step()
        resumed.append(scheduler.get_last_lr())
    assert resumed == expected


@pytest.mark.parametrize(
    "name, options, optimizer, optimizer_options",
    [
        ("CosineAnnealingLR", dict(T_max=8), "SGD", dict(lr=0.2, momentum=0.9)),
        ("StepLR", dict(step_size=5, gamma=0.3), "Adam", dict(lr=0.05)),
        ("OneCycleLR", dict(max_lr=0.1, total_steps=30), "AdamW", dict(lr=0.01)),
        ("LinearLR", dict(start_factor=0.1, total_iters=10), "RMSprop", dict(lr=0.01)),
    ],
)
def test_scheduled_training_follows_torch(name, options, optimizer, optimizer_options):
    assert_trajectories_match(
        lambda m: getattr(optim, optimizer)(m.parameters(), **optimizer_options),
        lambda m: getattr(torch.optim, optimizer)(m.parameters(), **optimizer_options),
        steps=30,
        schedulers=(
            lambda o: getattr(lr_scheduler, name)(o, **options),
            lambda o: getattr(torch.optim.lr_scheduler, name)(o, **options),
        ),
    )


def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    scheduler = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before optimizer.step"):
        scheduler.step()


def test_scheduler_records_initial_lr_and_sets_group_lr():
    opt = optim.SGD(make_model().parameters(), lr=0.1)
    scheduler = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    scheduler.step()
    assert opt.param_groups[0]["initial_lr"] == 0.1 and scheduler.base_lrs == [0.1]
    assert opt.param_groups[0]["lr"] == scheduler.get_last_lr()[0] == 0.05


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size must be a positive"),
        (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
        (lambda o: lr_scheduler.ExponentialLR(o, gamma="0.9"), TypeError, "gamma"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "start_factor"),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1), ValueError, "total_steps"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"),
            ValueError,
            "anneal_strategy",
        ),
        (lambda o: lr_scheduler.StepLR(o, 3, last_epoch=5), KeyError, "initial_lr"),
        (lambda o: lr_scheduler.StepLR(np.zeros(3), 3), TypeError, "must be an Optimizer"),
    ],
)
def test_bad_scheduler_arguments_are_named(make, error, match):
    opt = optim.SGD(make_model().parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(error, match=match):
        make(opt)


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = optim.SGD(make_model().parameters(), momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(opt, 0.1, 3)
    for _ in range(3):
        opt.step()
        scheduler.step()
    with pytest.raises(ValueError, match="total_steps is 3"):
        scheduler.step()
