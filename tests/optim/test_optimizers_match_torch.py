"""Every optimizer, with every option that changes the math, follows torch.optim step by step."""

import numpy as np
import pytest
import torch
from optim_twins import assert_trajectories_match

import hubel as hb
from hubel import nn, optim


def two_groups(model, **head_options):
    """The first layer in one group with the defaults, the last layer in another."""
    return [{"params": model[0].parameters()}, {"params": model[2].parameters(), **head_options}]


CASES = [
    ("SGD", dict(lr=0.1), None),
    ("SGD", dict(lr=0.1, momentum=0.9), None),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3), None),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), None),
    ("SGD", dict(lr=0.1, weight_decay=0.05), None),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.05, maximize=True), None),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05, maximize=True), None),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(lr=0.02, momentum=0.5, weight_decay=0.1)),
    ("Adam", dict(lr=0.01), None),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6), None),
    ("Adam", dict(lr=0.01, weight_decay=0.1), None),
    ("Adam", dict(lr=0.01, amsgrad=True), None),
    ("Adam", dict(lr=0.01, maximize=True), None),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True), None),
    ("Adam", dict(lr=0.01), dict(lr=0.05, betas=(0.5, 0.9), amsgrad=True)),
    ("AdamW", dict(lr=0.01), None),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True), None),
    ("AdamW", dict(lr=0.01, maximize=True), None),
    ("AdamW", dict(lr=0.01), dict(weight_decay=0.0)),
    ("RMSprop", dict(lr=0.01), None),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6), None),
    ("RMSprop", dict(lr=0.01, momentum=0.9), None),
    ("RMSprop", dict(lr=0.01, centered=True), None),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1), None),
    ("RMSprop", dict(lr=0.005, centered=True, momentum=0.9, weight_decay=0.1, maximize=True), None),
    ("RMSprop", dict(lr=0.01), dict(lr=0.001, centered=True, momentum=0.5)),
]


def _factories(name, options, head_options):
    def params(model):
        return model.parameters() if head_options is None else two_groups(model, **head_options)

    return (
        lambda model: getattr(optim, name)(params(model), **options),
        lambda twin: getattr(torch.optim, name)(params(twin), **options),
    )


def _case_id(case):
    name, options, head = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in options.items()) + ("-groups" * bool(head))


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch_float64(case):
    assert_trajectories_match(*_factories(*case), steps=25, dtype=np.float64)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch_float32(case):
    assert_trajectories_match(*_factories(*case), steps=25, dtype=np.float32, rtol=1e-4, atol=2e-5)


LARGE_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
]


@pytest.mark.parametrize("name, options", LARGE_CASES)
def test_large_and_odd_shaped_parameters_match_torch(name, options):
    """Parameters bigger than one update block (rows split unevenly, a long vector, one row
    wider than a block), a scalar, and a non-contiguous gradient all update like PyTorch."""
    rng = np.random.default_rng(0)
    block = hb.kernels.optim.BLOCK_ELEMENTS
    shapes = [(int(2.3 * block) // 517, 517), (block + 3,), (2, block + 5), (), (40, 3, 3)]
    values = [rng.standard_normal(s) for s in shapes]
    params = [nn.Parameter(v.copy()) for v in values]
    twins = [torch.tensor(v, requires_grad=True) for v in values]
    opt = getattr(optim, name)(params, **options)
    torch_opt = getattr(torch.optim, name)(twins, **options)
    for _ in range(3):
        grads = [rng.standard_normal(s) for s in shapes]
        grads[0] = np.asfortranarray(grads[0])  # e.g. a weight gradient computed as x.T @ g
        for p, t, g in zip(params, twins, grads):
            p.grad = hb.tensor(g)
            t.grad = torch.tensor(g)
        opt.step()
        torch_opt.step()
        for p, t in zip(params, twins):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
