"""What the optimizers keep and touch: state, saving, gradients, dtypes, groups, hooks."""

import numpy as np
import pytest
import torch
from optim_twins import batch, hubel_step, make_model, make_twins, params_of

import hubel as hb
from hubel import nn, optim
from hubel.optim import lr_scheduler

FULL_OPTIONS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01, maximize=True)),
]


def make_optimizer(name, options, model):
    return getattr(optim, name)(model.parameters(), **options)


@pytest.mark.parametrize("name, options", FULL_OPTIONS)
def test_state_dict_round_trip_through_save_continues_bit_for_bit(name, options, tmp_path):
    x, y = batch(np.float32)
    straight = make_model(np.float32)
    opt = make_optimizer(name, options, straight)
    for _ in range(20):
        hubel_step(straight, opt, x, y)

    first = make_model(np.float32)
    opt = make_optimizer(name, options, first)
    for _ in range(8):
        hubel_step(first, opt, x, y)
    hb.save({"model": first.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")

    resumed = make_model(np.float32, seed=123)  # other weights, fresh state: all must be loaded
    opt = make_optimizer(name, dict(options, lr=0.5), resumed)
    checkpoint = hb.load(tmp_path / "ckpt.npz")
    resumed.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    for _ in range(12):
        hubel_step(resumed, opt, x, y)

    expected = params_of(straight)
    for key, value in params_of(resumed).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


def test_scheduler_and_optimizer_resume_together_bit_for_bit(tmp_path):
    x, y = batch(np.float32)

    def run(model, steps, opt=None, scheduler=None):
        opt = opt or optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = scheduler or lr_scheduler.MultiStepLR(opt, milestones=[3, 6, 6, 11], gamma=0.5)
        for _ in range(steps):
            hubel_step(model, opt, x, y)
            scheduler.step()
        return opt, scheduler

    straight = make_model(np.float32)
    run(straight, 16)
    first = make_model(np.float32)
    opt, scheduler = run(first, 5)
    hb.save(
        {
            "optimizer": opt.state_dict(),
            "scheduler": scheduler.state_dict(),
            "model": first.state_dict(),
        },
        tmp_path / "ckpt.npz",
    )
    checkpoint = hb.load(tmp_path / "ckpt.npz")
    resumed = make_model(np.float32, seed=7)
    resumed.load_state_dict(checkpoint["model"])
    opt = optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.MultiStepLR(opt, milestones=[3, 6, 6, 11], gamma=0.5)
    opt.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    run(resumed, 11, opt, scheduler)
    expected = params_of(straight)
    for key, value in params_of(resumed).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)
    assert scheduler.get_last_lr() == [0.1 * 0.5**4]


@pytest.mark.parametrize(
    "name, options",
    [
        ("SGD", dict(momentum=0.9)),
        ("Adam", dict(amsgrad=True)),
        ("RMSprop", dict(centered=True, momentum=0.5)),
    ],
)
def test_state_dict_layout_matches_torch(name, options):
    model, twin = make_twins()
    groups = [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.5}]
    twin_groups = [{"params": twin[0].parameters()}, {"params": twin[2].parameters(), "lr": 0.5}]
    opt = getattr(optim, name)(groups, **options)
    torch_opt = getattr(torch.optim, name)(twin_groups, **options)
    hubel_step(model, opt, *batch())
    torch_opt.zero_grad()
    twin(torch.tensor(batch()[0])).sum().backward()
    torch_opt.step()
    ours, theirs = opt.state_dict(), torch_opt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"]) == [0, 1, 2, 3]
    for index, values in ours["state"].items():
        assert set(values) == set(theirs["state"][index]), index
    for group, torch_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert group["params"] == torch_group["params"]
        assert set(group) <= set(torch_group)
        assert all(group[key] == torch_group[key] for key in group)


def test_load_state_dict_copies_arrays_into_the_parameters_dtype():
    model = make_model(np.float32)
    opt = optim.Adam(model.parameters())
    hubel_step(model, opt, *batch(np.float32))
    saved = opt.state_dict()
    saved64 = {
        "state": {
            i: {k: v.astype(np.float64) if hasattr(v, "dtype") else v for k, v in s.items()}
            for i, s in saved["state"].items()
        },
        "param_groups": saved["param_groups"],
    }
    other = optim.Adam(model.parameters())
    other.load_state_dict(saved64)
    for p in model.parameters():
        assert other.state[p]["exp_avg"].dtype == np.float32
        assert other.state[p]["exp_avg"] is not saved["state"][0]["exp_avg"]
        np.testing.assert_array_equal(other.state[p]["exp_avg"], opt.state[p]["exp_avg"])


@pytest.mark.parametrize("name, options", FULL_OPTIONS)
def test_float32_stays_float32_even_with_numpy_float64_options(name, options):
    model = make_model(np.float32)
    as_float64 = {k: np.float64(v) if isinstance(v, float) else v for k, v in options.items()}
    opt = make_optimizer(name, as_float64, model)
    for _ in range(3):
        hubel_step(model, opt, *batch(np.float32))
    for p in model.parameters():
        assert p.dtype == np.float32
        arrays = [v for v in opt.state[p].values() if hasattr(v, "dtype")]
        assert arrays and all(a.dtype == np.float32 for a in arrays)


@pytest.mark.parametrize("name, options", FULL_OPTIONS)
def test_step_reads_but_never_writes_the_gradients(name, options):
    model = make_model()
    opt = make_optimizer(name, options, model)
    x, y = batch()
    for _ in range(2):
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(hb.tensor(x)), hb.tensor(y)).backward()
        grads = [(p.grad, p.grad.data, p.grad.data.copy()) for p in model.parameters()]
        opt.step()
        for p, (tensor, array, copy) in zip(model.parameters(), grads):
            assert p.grad is tensor and p.grad.data is array
            np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("name, options", FULL_OPTIONS)
def test_parameters_without_grad_are_skipped(name, options):
    model = make_model()
    opt = make_optimizer(name, options, model)
    hubel_step(model, opt, *batch())
    frozen = model[0].weight
    before = frozen.data.copy()
    state_before = {k: v.copy() if hasattr(v, "copy") else v for k, v in opt.state[frozen].items()}
    opt.zero_grad()
    model(hb.tensor(batch()[0])).sum().backward()
    frozen.grad = None
    opt.step()
    np.testing.assert_array_equal(frozen.data, before)
    for key, value in opt.state[frozen].items():
        np.testing.assert_array_equal(value, state_before[key], err_msg=key)
    assert not np.array_equal(model[2].weight.data, params_of(make_model())["2.weight"])


def test_a_parameter_that_never_had_a_grad_gets_no_state():
    model = make_model()
    extra = nn.Parameter(np.ones(3))
    opt = optim.Adam([*model.parameters(), extra])
    hubel_step(model, opt, *batch())
    np.testing.assert_array_equal(extra.data, np.ones(3))
    assert extra not in opt.state
    assert len(opt.state_dict()["state"]) == 4


def test_zero_grad_sets_to_none_by_default():
    model = make_model()
    opt = optim.SGD(model.parameters())
    hubel_step(model, opt, *batch())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_without_set_to_none_gives_fresh_zeros_and_leaves_old_arrays():
    model = make_model()
    opt = optim.SGD(model.parameters())
    hubel_step(model, opt, *batch())
    old = [(p.grad.data, p.grad.data.copy()) for p in model.parameters()]
    opt.zero_grad(set_to_none=False)
    for p, (array, copy) in zip(model.parameters(), old):
        assert p.grad.data is not array and p.grad.shape == p.shape
        assert p.grad.dtype == p.dtype and not p.grad.data.any()
        np.testing.assert_array_equal(array, copy)


def test_momentum_free_sgd_keeps_no_state_like_torch():
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    hubel_step(model, opt, *batch())
    assert opt.state_dict()["state"] == {}


def test_group_options_override_defaults_and_add_param_group_fills_the_rest():
    model = make_model()
    opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": model[2].parameters(), "nesterov": True})
    assert [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    assert [g["nesterov"] for g in opt.param_groups] == [False, True]
    assert opt.param_groups[1]["momentum"] == 0.9
    before = params_of(model)
    hubel_step(model, opt, *batch())
    assert all(not np.array_equal(v, before[k]) for k, v in params_of(model).items())


def test_step_with_closure_returns_its_loss_and_steps_once():
    model, twin = make_twins()
    opt, torch_opt = optim.SGD(model.parameters(), lr=0.1), torch.optim.SGD(twin.parameters(), 0.1)
    x, y = batch()

    def closure():
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(hb.tensor(x)), hb.tensor(y))
        loss.backward()
        return loss

    def torch_closure():
        torch_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        return loss

    with hb.no_grad():  # step must turn recording back on for the closure
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(torch_opt.step(torch_closure).item(), rel=1e-12)
    for key, value in params_of(model).items():
        np.testing.assert_allclose(value, params_of(twin)[key], rtol=1e-12)


def test_step_hooks_run_around_each_step_until_removed():
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o)))
    hubel_step(model, opt, *batch())
    pre.remove()
    hubel_step(model, opt, *batch())
    assert calls == [("pre", opt), ("post", opt), ("post", opt)]


def test_repr_lists_each_group_like_torch():
    opt = optim.SGD(make_model().parameters(), lr=0.1, momentum=0.9)
    assert repr(opt).splitlines()[:4] == [
        "SGD (",
        "Parameter Group 0",
        "    dampening: 0",
        "    lr: 0.1",
    ]
