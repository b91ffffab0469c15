"""A small hubel model and its PyTorch twin, trained side by side, for the optimizer tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from helpers import copy_state_to_torch

import hubel as hb
from hubel import nn

TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}


def make_model(dtype=np.float64, seed: int = 0) -> nn.Sequential:
    """Linear(6, 8) → Tanh → Linear(8, 3), PyTorch's default init from ``seed``."""
    hb.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).to(dtype)


def make_twins(dtype=np.float64, seed: int = 0) -> tuple[nn.Sequential, torch.nn.Sequential]:
    model = make_model(dtype, seed)
    twin = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    twin = twin.to(TORCH_DTYPES[dtype])
    copy_state_to_torch(model, twin)
    return model, twin


def batch(dtype=np.float64, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch of 16 inputs (16, 6) and class labels (16,) in [0, 3)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((16, 6)).astype(dtype), rng.integers(0, 3, size=16)


def hubel_step(model: nn.Module, opt, x: np.ndarray, y: np.ndarray) -> None:
    """One training step: zero the gradients, cross-entropy loss, backward, update."""
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(hb.tensor(x)), hb.tensor(y)).backward()
    opt.step()


def torch_step(model: torch.nn.Module, opt, x: np.ndarray, y: np.ndarray) -> None:
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(torch.tensor(x)), torch.tensor(y)).backward()
    opt.step()


def params_of(model) -> dict[str, np.ndarray]:
    """Parameters by state-dict name, as NumPy arrays (copies)."""
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


def assert_trajectories_match(
    make_hubel: Callable,
    make_torch: Callable,
    steps: int = 25,
    dtype=np.float64,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    schedulers: tuple[Callable, Callable] | None = None,
) -> None:
    """Train the twins with ``make_hubel(model)`` / ``make_torch(twin)`` optimizers and compare
    every parameter after every step (and the learning rates, with ``schedulers``)."""
    model, twin = make_twins(dtype)
    opt, torch_opt = make_hubel(model), make_torch(twin)
    if schedulers is not None:
        scheduler, torch_scheduler = schedulers[0](opt), schedulers[1](torch_opt)
    x, y = batch(dtype)
    for step in range(steps):
        hubel_step(model, opt, x, y)
        torch_step(twin, torch_opt, x, y)
        expected = params_of(twin)
        for name, value in params_of(model).items():
            assert value.dtype == dtype, f"step {step}: {name} is {value.dtype}"
            np.testing.assert_allclose(
                value, expected[name], rtol=rtol, atol=atol, err_msg=f"step {step}: {name}"
            )
        if schedulers is not None:
            scheduler.step()
            torch_scheduler.step()
            assert scheduler.get_last_lr() == torch_scheduler.get_last_lr(), f"step {step}"
