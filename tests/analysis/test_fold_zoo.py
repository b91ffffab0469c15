"""BN folding on every zoo model that has batch norm, with random statistics and weights."""

from __future__ import annotations

import numpy as np
import pytest
from fold_helpers import (
    assert_same_state,
    batchnorm_count,
    randomize_batchnorms,
    relative_error,
    state_arrays,
)

from hubel.analysis import fold_batchnorm
from hubel.models import get_model, list_models, model_info, parameter_count, skip_init


def _has_batchnorm(name: str) -> bool:
    with skip_init():
        return batchnorm_count(get_model(name)) > 0


def _case(name: str):
    """Models over 40M weights (ImageNet VGG-BN, ResNet-101/152) are marked slow."""
    return pytest.param(name, marks=pytest.mark.slow) if parameter_count(name) > 40e6 else name


# hubel's own registered models (a test elsewhere may register its own) that have batch norm.
ZOO_WITH_BN = [
    name
    for name in list_models()
    if model_info(name).builder.__module__.startswith("hubel.models.") and _has_batchnorm(name)
]
DTYPES = {np.float64: 1e-5, np.float32: 1e-4}
# Above 7M weights, float32 only (to keep the time down; VGG-BN's float64 copies would take
# gigabytes): the same blocks are checked in float64 in the smaller models (CIFAR ResNets and
# plain nets, GoogLeNet, MobileNets) and in test_fold.py.
FLOAT64_MAX_WEIGHTS = 7e6


def random_zoo_model(name: str):
    """The zoo's ``name`` with uniform ±1/√fan_in weights and random BatchNorm statistics, in
    eval mode. Drawn directly into an uninitialised build: much faster than the zoo's own
    (normal) initialisation for VGG's 100M-weight classifier."""
    with skip_init():
        model = get_model(name)
    rng = np.random.default_rng(0)
    for p in model.parameters():
        bound = 1 / np.sqrt(p.data[0].size) if p.ndim > 1 else 0.1
        rng.random(dtype=np.float32, out=p.data)  # in place: no 400 MB temporaries for VGG
        p.data -= 0.5
        p.data *= 2 * bound
    return randomize_batchnorms(model).eval()


def _batch(name: str, dtype) -> np.ndarray:
    """Two 32x32 images: small enough to be quick, large enough for every zoo model."""
    channels = model_info(name).input_size[0]
    return np.random.default_rng(1).standard_normal((2, channels, 32, 32)).astype(dtype)


@pytest.mark.parametrize("name", [_case(name) for name in ZOO_WITH_BN])
def test_zoo_model_folds_every_batchnorm_and_keeps_its_output(name):
    model = random_zoo_model(name)
    count = batchnorm_count(model)
    for dtype, tolerance in DTYPES.items():
        if dtype == np.float64 and parameter_count(name) > FLOAT64_MAX_WEIGHTS:
            continue
        if next(model.parameters()).dtype != dtype:
            model.to(dtype)
        result = fold_batchnorm(model, _batch(name, dtype)[:1])  # one image is enough to trace
        assert (len(result.folded), result.skipped) == (count, [])
        assert batchnorm_count(result.model) == 0
        assert relative_error(model, result.model, _batch(name, dtype)) < tolerance


def test_zoo_model_is_untouched_and_refolding_changes_nothing():
    model = random_zoo_model("resnet20")
    before = state_arrays(model)
    folded = fold_batchnorm(model).model  # input size from the registry: 3x32x32
    assert_same_state(before, state_arrays(model))
    assert batchnorm_count(model) == 19
    again = fold_batchnorm(folded)
    assert (again.folded, again.skipped) == ([], [])
    assert_same_state(state_arrays(folded), state_arrays(again.model))
