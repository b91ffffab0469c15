import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb
import hubel.nn.functional as F


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_torch(dim):
    rng = np.random.default_rng(0)
    index = rng.integers(0, 4, size=(3, 4))  # repeats included: their gradients add up
    assert_matches_torch(
        lambda x, i: x.gather(dim, i),
        lambda x, i: x.gather(dim, i),
        shapes=None,
        inputs=[rng.standard_normal((4, 4)), index],
    )


def test_gather_with_an_index_smaller_than_the_input_matches_torch():
    rng = np.random.default_rng(1)
    assert_matches_torch(
        lambda x, i: hb.gather(x, 1, i),
        lambda x, i: torch.gather(x, 1, i),
        inputs=[rng.standard_normal((5, 6)), rng.integers(0, 6, size=(3, 2))],
    )


def test_gather_refuses_bad_indices():
    x = hb.zeros(3, 4)
    with pytest.raises(RuntimeError, match="as many dimensions"):
        x.gather(1, hb.tensor([0, 1]))
    with pytest.raises(IndexError, match="out of range"):
        x.gather(1, hb.tensor([[4]]))
    with pytest.raises(TypeError, match="integer"):
        x.gather(1, hb.tensor([[0.0]]))
    with pytest.raises(IndexError):
        x.gather(2, hb.tensor([[0]]))


def test_masked_fill_matches_torch_and_keeps_the_dtype():
    rng = np.random.default_rng(2)
    mask = rng.random((3, 4)) > 0.5
    assert_matches_torch(
        lambda x: x.masked_fill(hb.tensor(mask), -1.5),
        lambda x: x.masked_fill(torch.tensor(mask), -1.5),
        shapes=[(3, 4)],
    )
    row_mask = np.array([True, False, True, False])  # broadcast over rows
    assert_matches_torch(
        lambda x, v: F.masked_fill(x, hb.tensor(row_mask), v),
        lambda x, v: x.masked_fill(torch.tensor(row_mask), v),
        shapes=[(3, 4), ()],
    )
    ints = hb.arange(4).masked_fill(hb.tensor(row_mask), 2.7)
    assert (
        ints.dtype
        == torch.arange(4).masked_fill(torch.tensor(row_mask), 2.7).detach().numpy().dtype
    )


def test_masked_fill_refuses_a_non_bool_mask_and_a_mask_that_does_not_broadcast():
    with pytest.raises(TypeError, match="bool"):
        hb.zeros(3).masked_fill(hb.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        hb.zeros(3).masked_fill(hb.tensor([True, False]), 0.0)


@pytest.mark.parametrize(
    "index",
    [1, (slice(None), 2), ([0, 2],), (0, slice(None), [1, 3]), (Ellipsis, 1)],
    ids=str,
)
def test_index_put_matches_torch_setitem(index):
    torch_index = (
        tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
        if isinstance(index, tuple)
        else index
    )

    def ours(x, v):
        y = x * 1
        y[index] = v
        return y

    def theirs(x, v):
        y = x * 1
        y[torch_index] = v
        return y

    value_shape = tuple(torch.zeros(3, 4, 5)[torch_index].shape[-1:])
    assert_matches_torch(ours, theirs, shapes=[(3, 4, 5), value_shape])


def test_setitem_with_a_mask_and_a_number_matches_torch():
    data = np.random.default_rng(3).standard_normal((4, 5))
    x, t = hb.tensor(data), torch.tensor(data)
    x[x > 0] = 0.0
    t[t > 0] = 0.0
    np.testing.assert_array_equal(x.detach().numpy(), t.detach().numpy())


def test_one_hot_matches_torch():
    labels = np.array([[0, 2], [3, 1]])
    for classes in (-1, 5):
        ours = F.one_hot(hb.tensor(labels), classes)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), classes)
        assert ours.dtype == hb.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_one_hot_refuses_what_torch_refuses():
    for bad, classes in (([0, -1], -1), ([0, 3], 3)):
        with pytest.raises(RuntimeError):
            torch.nn.functional.one_hot(torch.tensor(bad), classes)
        with pytest.raises(RuntimeError, match="class values"):
            F.one_hot(hb.tensor(bad), classes)
    with pytest.raises(RuntimeError, match="int64"):
        F.one_hot(hb.tensor([0.0, 1.0]))


@pytest.mark.parametrize("fn", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [-1, 0, 2])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 5, 3)])
def test_triangles_match_torch(fn, diagonal, shape):
    assert_matches_torch(
        lambda x: getattr(x, fn)(diagonal), lambda x: getattr(x, fn)(diagonal), shapes=[shape]
    )


@pytest.mark.parametrize("diagonal", [-2, 0, 1])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (5, 3)])
def test_diag_matches_torch(diagonal, shape):
    assert_matches_torch(
        lambda x: hb.diag(x, diagonal), lambda x: torch.diag(x, diagonal), shapes=[shape]
    )


def test_triangle_and_diag_refuse_wrong_ranks():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        hb.tril(hb.zeros(3))
    with pytest.raises(RuntimeError, match="1-D or 2-D"):
        hb.diag(hb.zeros(2, 2, 2))


SCATTER_INDEX = np.array([[0, 1, 2, 0, 1], [2, 0, 0, 1, 2]])  # no repeats within a column


@pytest.mark.parametrize("name", ["scatter", "scatter_add"])
def test_scatter_matches_torch(name):
    assert_matches_torch(
        lambda x, s: getattr(x, name)(0, hb.tensor(SCATTER_INDEX), s),
        lambda x, s: getattr(x, name)(0, torch.tensor(SCATTER_INDEX), s),
        shapes=[(3, 5), (2, 5)],
    )


def test_scatter_add_sums_repeated_places_like_torch():
    index = np.array([[0, 0, 1]])
    ours = hb.zeros(2, 3).scatter_add(0, hb.tensor(index), hb.ones(1, 3))
    theirs = torch.zeros(2, 3).scatter_add(0, torch.tensor(index), torch.ones(1, 3))
    assert ours.tolist() == theirs.tolist()
    value = hb.zeros(2, 3).scatter(1, hb.tensor([[2], [0]]), 5.0)
    assert value.tolist() == torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 5.0).tolist()


def test_index_select_and_masked_select_match_torch():
    index = np.array([3, 0, 3])
    assert_matches_torch(
        lambda x: x.index_select(1, hb.tensor(index)),
        lambda x: x.index_select(1, torch.tensor(index)),
        shapes=[(2, 4)],
    )
    mask = np.array([True, False, True, True])
    assert_matches_torch(
        lambda x: x.masked_select(hb.tensor(mask)),
        lambda x: x.masked_select(torch.tensor(mask)),
        shapes=[(2, 4)],
    )


def test_scatter_refuses_out_of_range_indices():
    with pytest.raises(IndexError, match="out of range"):
        hb.zeros(2, 3).scatter(0, hb.tensor([[2, 0, 0]]), hb.ones(1, 3))
    with pytest.raises(IndexError, match="1-D integer"):
        hb.zeros(2, 3).index_select(0, hb.tensor([[0]]))


@pytest.mark.parametrize(
    "index_shape, dim", [((3, 2), 1), ((1, 4), 0), ((3, 1), 1), ((5,), None)], ids=str
)
def test_take_along_dim_matches_torch(index_shape, dim):
    size = 12 if dim is None else (3, 4)[dim]
    index = np.random.default_rng(8).integers(0, size, size=index_shape)
    assert_matches_torch(
        lambda x: x.take_along_dim(hb.tensor(index), dim),
        lambda x: x.take_along_dim(torch.tensor(index), dim),
        shapes=[(3, 4)],
    )


def test_trace_matches_torch():
    assert_matches_torch(lambda x: x.trace(), lambda x: x.trace(), shapes=[(3, 4)])
    with pytest.raises(RuntimeError, match="expected a matrix"):
        hb.trace(hb.zeros(3))
