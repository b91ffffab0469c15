import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, -1])
def test_sort_matches_torch(descending, dim):
    assert_matches_torch(
        lambda x: x.sort(dim, descending),
        lambda x: x.sort(dim, descending),
        shapes=[(4, 5)],
    )


@pytest.mark.parametrize("descending", [False, True])
def test_sort_and_argsort_keep_ties_in_order_like_torchs_stable_sort(descending):
    data = [3, 1, 2, 1, 3, 0, 2]
    for dtype in (hb.int64, hb.uint8, hb.float32):
        ours = hb.tensor(data, dtype=dtype).sort(descending=descending)
        theirs = torch.tensor(data).sort(descending=descending, stable=True)
        assert ours.indices.tolist() == theirs.indices.tolist()
        assert ours.values.tolist() == theirs.values.tolist()
        assert hb.tensor(data, dtype=dtype).argsort(descending=descending).tolist() == (
            theirs.indices.tolist()
        )


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k, dim", [(1, -1), (3, -1), (2, 0), (0, 1)])
def test_topk_matches_torch(k, dim, largest):
    assert_matches_torch(
        lambda x: x.topk(k, dim, largest),
        lambda x: x.topk(k, dim, largest),
        shapes=[(4, 5)],
        check_gradcheck=k > 0,
    )


def test_topk_refuses_k_larger_than_the_dimension():
    with pytest.raises(RuntimeError):
        torch.zeros(3).topk(4)
    with pytest.raises(RuntimeError, match=r"k must be in \[0, 3\]"):
        hb.zeros(3).topk(4)


def test_sort_results_are_named_like_torchs():
    values, indices = hb.tensor([2.0, 1.0]).sort()
    result = hb.tensor([2.0, 1.0]).sort()
    assert result.values.tolist() == values.tolist() == [1.0, 2.0]
    assert result.indices.tolist() == indices.tolist() == [1, 0]
    assert indices.dtype == hb.int64
    np.testing.assert_array_equal(hb.sort(hb.tensor([3, 1]))[0].detach().numpy(), [1, 3])
