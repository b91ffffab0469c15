import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb
import hubel.nn.functional as F

DIMS = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin"])
def test_reduction_matches_torch(op, dim, keepdim):
    def hb_fn(x):
        return getattr(x, op)(dim, keepdim=keepdim)

    def th_fn(x):
        if dim is None and op not in ("amax", "amin"):
            out = getattr(x, op)()
            return out.reshape([1] * x.ndim) if keepdim else out
        return getattr(x, op)(dim=dim if dim is not None else tuple(range(x.ndim)), keepdim=keepdim)

    assert_matches_torch(hb_fn, th_fn, shapes=[(3, 4, 5)])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_along_dim_return_values_and_indices_as_torch(op, dim, keepdim):
    x = np.random.default_rng(3).standard_normal((3, 4, 5))
    assert_matches_torch(
        lambda t: getattr(t, op)(dim, keepdim=keepdim)[0],
        lambda t: getattr(t, op)(dim, keepdim=keepdim)[0],
        inputs=[x],
    )
    h = getattr(hb.tensor(x), op)(dim, keepdim=keepdim)
    t = getattr(torch.tensor(x), op)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(h.indices.detach().numpy(), t.indices.detach().numpy())
    assert h.indices.dtype == hb.int64


def test_full_max_with_ties_shares_gradient_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, -1.0]])
    assert_matches_torch(lambda t: t.max(), lambda t: t.max(), inputs=[x], check_gradcheck=False)
    assert_matches_torch(
        lambda t: t.amax(1), lambda t: t.amax(1), inputs=[x], check_gradcheck=False
    )


def test_var_unbiased_flag_and_correction():
    x = np.random.default_rng(0).standard_normal((4, 6))
    assert_matches_torch(
        lambda t: t.var(1, unbiased=False), lambda t: t.var(1, unbiased=False), inputs=[x]
    )
    assert_matches_torch(
        lambda t: t.var(0, correction=0), lambda t: t.var(0, correction=0), inputs=[x]
    )


def test_numpy_style_axis_and_keepdims_are_accepted():
    x = hb.randn(3, 4)
    np.testing.assert_allclose(
        x.sum(axis=1, keepdims=True).detach().numpy(),
        x.detach().numpy().sum(axis=1, keepdims=True),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        x.mean(axis=0).detach().numpy(), x.detach().numpy().mean(axis=0), rtol=1e-6
    )


def test_argmax_matches_numpy():
    x = hb.randn(5, 7)
    np.testing.assert_array_equal(x.argmax(1).detach().numpy(), x.detach().numpy().argmax(1))
    assert x.argmax().item() == x.detach().numpy().argmax()


def test_reduction_axis_out_of_range_is_named():
    with pytest.raises(ValueError, match=r"dim: expected an axis in \[-2, 1\] for a 2-d tensor"):
        hb.randn(2, 3).sum(dim=3)


def test_both_dim_and_axis_is_refused():
    with pytest.raises(TypeError, match="either dim= or axis="):
        hb.randn(2, 3).sum(dim=0, axis=1)


@pytest.mark.parametrize(
    "p, dim, keepdim",
    [(2, None, False), (1, 1, False), (float("inf"), 0, True), (3, 1, False), ("fro", None, False)],
)
def test_norm_matches_torch(p, dim, keepdim):
    assert_matches_torch(
        lambda x: x.norm(p, dim, keepdim), lambda x: x.norm(p, dim, keepdim), shapes=[(3, 4)]
    )


def test_norm_of_the_zero_vector_has_zero_gradient_as_in_torch():
    x = hb.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_normalize_and_cosine_similarity_match_torch():
    assert_matches_torch(
        lambda x: F.normalize(x, dim=1),
        lambda x: torch.nn.functional.normalize(x, dim=1),
        shapes=[(3, 4)],
    )
    assert_matches_torch(
        lambda x: F.normalize(x, p=1, dim=0),
        lambda x: torch.nn.functional.normalize(x, p=1, dim=0),
        shapes=[(3, 4)],
    )
    assert_matches_torch(
        lambda a, b: F.cosine_similarity(a, b),
        lambda a, b: torch.nn.functional.cosine_similarity(a, b),
        shapes=[(3, 4), (1, 4)],
    )
