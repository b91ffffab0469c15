"""Shared by the BN-folding tests: random BatchNorm statistics and the output comparison."""

from __future__ import annotations

import numpy as np

import hubel as hb
from hubel import nn

BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def randomize_batchnorms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm non-trivial γ, β, running mean and variance (fresh ones are the
    identity in eval mode, which would let a wrong fold pass)."""
    rng = np.random.default_rng(seed)
    for module in model.modules():
        if isinstance(module, BATCHNORMS) and module.track_running_stats:
            c = module.num_features
            module.running_mean.data[...] = rng.normal(0, 0.1, c)
            module.running_var.data[...] = rng.uniform(0.5, 1.5, c)
            if module.weight is not None:
                module.weight.data[...] = rng.uniform(0.5, 1.5, c)
            if module.bias is not None:
                module.bias.data[...] = rng.normal(0, 0.1, c)
    return model


def batchnorm_count(model: nn.Module) -> int:
    return sum(isinstance(m, BATCHNORMS) for m in model.modules())


def relative_error(model: nn.Module, folded: nn.Module, x: np.ndarray) -> float:
    """max |folded(x) − model(x)| / max |model(x)|, in eval mode without gradients."""
    with hb.no_grad():
        expected = model(hb.tensor(x)).detach().numpy()
        got = folded(hb.tensor(x)).detach().numpy()
    assert got.dtype == expected.dtype == x.dtype
    return float(np.abs(got - expected).max() / np.abs(expected).max())


def state_arrays(model: nn.Module) -> dict[str, np.ndarray]:
    """A copy of every state_dict value, to compare before and after."""
    return {
        key: np.array(value.detach().numpy(), copy=True)
        for key, value in model.state_dict().items()
    }


def assert_same_state(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
