"""Tensor factories against torch's: shapes, values and dtypes."""

import numpy as np
import pytest
import torch

import hubel as hb

FACTORIES = [
    ("eye 3", lambda m: m.eye(3)),
    ("eye 2x4", lambda m: m.eye(2, 4)),
    ("eye float64", lambda m: m.eye(2, dtype=m.float64)),
    ("full float", lambda m: m.full((2, 3), 1.5)),
    ("full int", lambda m: m.full((2,), 7)),
    ("full bool", lambda m: m.full((2,), True)),
    ("full dtype", lambda m: m.full((2,), 7, dtype=m.float64)),
    ("full_like", lambda m: m.full_like(m.zeros(2, 2, dtype=m.int64), 3)),
    ("full_like dtype", lambda m: m.full_like(m.zeros(2), 3, dtype=m.float64)),
    ("zeros_like", lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64))),
    ("ones_like", lambda m: m.ones_like(m.zeros(2, dtype=m.int64))),
    ("empty_like shape", lambda m: m.zeros_like(m.empty_like(m.ones(3)))),
    ("empty shape", lambda m: m.zeros_like(m.empty(2, 3))),
    ("arange 5", lambda m: m.arange(5)),
    ("arange 1..10 by 3", lambda m: m.arange(1, 10, 3)),
    ("arange float", lambda m: m.arange(0, 1, 0.1)),
    ("arange float start", lambda m: m.arange(0.5, 3)),
    ("arange negative step", lambda m: m.arange(5, 0, -1.5)),
    ("arange dtype", lambda m: m.arange(4, dtype=m.float64)),
    ("linspace", lambda m: m.linspace(-1, 1, 5)),
    ("linspace one", lambda m: m.linspace(2, 3, 1)),
    ("linspace dtype", lambda m: m.linspace(0, 1, 4, dtype=m.float64)),
]


@pytest.mark.parametrize("case", FACTORIES, ids=[c[0] for c in FACTORIES])
def test_factory_matches_torch(case):
    _, make = case
    ours, theirs = make(hb), make(torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_random_like_factories_take_shape_and_dtype():
    base = hb.zeros(2, 3, dtype=hb.float64)
    for fn in (hb.rand_like, hb.randn_like):
        sample = fn(base)
        assert sample.shape == (2, 3) and sample.dtype == hb.float64


def test_randint_accepts_torchs_two_argument_form():
    draws = hb.randint(3, (100,))
    assert draws.dtype == hb.int64 and draws.shape == (100,)
    assert draws.detach().numpy().min() >= 0 and draws.detach().numpy().max() <= 2
    with pytest.raises(ValueError, match="low < high"):
        hb.randint(5, 5, (2,))


def test_factories_refuse_bad_arguments_as_torch():
    with pytest.raises(RuntimeError):
        torch.arange(0, 5, -1)
    with pytest.raises(ValueError, match="inconsistent"):
        hb.arange(0, 5, -1)
    with pytest.raises(ValueError, match="step must be nonzero"):
        hb.arange(0, 5, 0)
    with pytest.raises(TypeError, match="integers"):
        hb.zeros(2.5)
    with pytest.raises(ValueError, match="steps"):
        hb.linspace(0, 1, -2)
