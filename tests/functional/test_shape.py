import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb


@pytest.mark.parametrize(
    "hb_fn,th_fn",
    [
        (lambda x: x.reshape(6, 4), lambda x: x.reshape(6, 4)),
        (lambda x: x.view(-1), lambda x: x.reshape(-1)),
        (lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2)),
        (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1)),
        (lambda x: x.T, lambda x: x.permute(2, 1, 0)),
        (lambda x: x.flatten(), lambda x: x.flatten()),
        (lambda x: x.flatten(1), lambda x: x.flatten(1)),
        (lambda x: x.unsqueeze(1).squeeze(1), lambda x: x.unsqueeze(1).squeeze(1)),
        (lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1)),
        (lambda x: x[:, 1:3, ::2], lambda x: x[:, 1:3, ::2]),
        (lambda x: x[1], lambda x: x[1]),
        (lambda x: x[..., -1], lambda x: x[..., -1]),
        (lambda x: x[None, 0, :, 1], lambda x: x[None, 0, :, 1]),
        (lambda x: x[0, [0, 2, 2, 1]], lambda x: x[0, [0, 2, 2, 1]]),
        (lambda x: x[[1, 0, 1]], lambda x: x[[1, 0, 1]]),
        (lambda x: x[:, [0, 1], [2, 2]], lambda x: x[:, [0, 1], [2, 2]]),
        (lambda x: x[:, :, :1].expand(2, 3, 4), lambda x: x[:, :, :1].expand(2, 3, 4)),
    ],
    ids=[
        "reshape",
        "view",
        "transpose",
        "permute",
        "T",
        "flatten",
        "flatten1",
        "squeeze",
        "unsqueeze",
        "slices",
        "int",
        "ellipsis",
        "none",
        "int_array_repeats",
        "rows_repeat",
        "paired_arrays",
        "expand",
    ],
)
def test_shape_op_matches_torch(hb_fn, th_fn):
    assert_matches_torch(hb_fn, th_fn, shapes=[(2, 3, 4)])


def test_indexing_with_integer_tensor_and_boolean_mask():
    x = np.random.default_rng(0).standard_normal((5, 3))
    idx = np.array([4, 0, 4])
    mask = x[:, 0] > 0
    assert_matches_torch(lambda t: t[hb.tensor(idx)], lambda t: t[torch.tensor(idx)], inputs=[x])
    assert_matches_torch(lambda t: t[hb.tensor(mask)], lambda t: t[torch.tensor(mask)], inputs=[x])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack_match_torch(dim):
    assert_matches_torch(
        lambda a, b, c: hb.cat([a, b, c], dim),
        lambda a, b, c: torch.cat([a, b, c], dim),
        shapes=[(2, 3, 2), (2, 3, 2), (2, 3, 2)],
    )
    assert_matches_torch(
        lambda a, b: hb.stack([a, b], dim),
        lambda a, b: torch.stack([a, b], dim),
        shapes=[(2, 3), (2, 3)],
    )


def test_cat_of_different_sizes_along_channels():
    assert_matches_torch(
        lambda a, b: hb.cat([a, b], 1),
        lambda a, b: torch.cat([a, b], 1),
        shapes=[(2, 3, 2, 2), (2, 5, 2, 2)],
    )


def test_reshape_to_wrong_size_is_explained():
    with pytest.raises(
        ValueError,
        match=r"reshape: cannot view a tensor of shape \(2, 3\) "
        r"\(6 elements\) as \(4, 2\)",
    ):
        hb.randn(2, 3).reshape(4, 2)


def test_cat_mismatch_names_the_tensor_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"cat: tensor 1 has shape \(2, 4\), incompatible with "
        r"tensor 0's \(3, 4\)",
    ):
        hb.cat([hb.randn(3, 4), hb.randn(2, 4)], dim=1)


def test_index_out_of_range_reports_shape():
    with pytest.raises(IndexError, match=r"tensor shape \(3,\)"):
        hb.randn(3)[5]


def test_float_index_is_refused_with_torchs_index_error():
    with pytest.raises(IndexError, match="indices must be long, int or bool, got dtype float32"):
        hb.randn(3)[hb.tensor([0.0, 1.0])]


PIECES = {
    "split 2": (lambda x: x.split(2, 1), lambda x: x.split(2, 1)),
    "split sections": (lambda x: x.split([1, 3, 1], 1), lambda x: x.split([1, 3, 1], 1)),
    "chunk 3": (lambda x: x.chunk(3, 1), lambda x: x.chunk(3, 1)),
    "chunk 4 rows": (lambda x: x.chunk(4), lambda x: x.chunk(4)),
    "unbind": (lambda x: x.unbind(1), lambda x: x.unbind(1)),
    "narrow": (lambda x: x.narrow(1, 1, 3), lambda x: x.narrow(1, 1, 3)),
    "narrow negative start": (lambda x: x.narrow(1, -2, 2), lambda x: x.narrow(1, -2, 2)),
    "movedim": (lambda x: x.movedim(0, -1), lambda x: x.movedim(0, -1)),
    "movedim pairs": (
        lambda x: x.reshape(3, 5, 1).movedim((0, 1), (2, 0)),
        lambda x: x.reshape(3, 5, 1).movedim((0, 1), (2, 0)),
    ),
    "swapaxes": (lambda x: x.swapaxes(0, 1), lambda x: x.swapaxes(0, 1)),
    "flip": (lambda x: x.flip(1), lambda x: x.flip(1)),
    "flip both": (lambda x: x.flip((0, 1)), lambda x: x.flip((0, 1))),
    "roll": (lambda x: x.roll(2, 1), lambda x: x.roll(2, 1)),
    "roll flat": (lambda x: x.roll(-3), lambda x: x.roll(-3)),
    "roll two axes": (lambda x: x.roll((1, -2), (0, 1)), lambda x: x.roll((1, -2), (0, 1))),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3)),
    "tile short": (lambda x: x.tile(2), lambda x: x.tile(2)),
    "tile": (lambda x: x.tile((2, 1, 2)), lambda x: x.tile((2, 1, 2))),
}


@pytest.mark.parametrize("name", sorted(PIECES))
def test_split_move_and_repeat_ops_match_torch(name):
    ours, theirs = PIECES[name]
    assert_matches_torch(ours, theirs, shapes=[(3, 5)])


def test_repeat_refuses_fewer_sizes_than_dimensions_like_torch():
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match="can not be smaller"):
        hb.zeros(2, 3).repeat(2)


def test_split_and_narrow_refuse_what_does_not_fit():
    with pytest.raises(RuntimeError, match="must add up"):
        hb.zeros(2, 5).split([2, 2], 1)
    with pytest.raises(IndexError, match="exceeds dimension 1"):
        hb.zeros(2, 5).narrow(1, 3, 3)


def test_nonzero_and_new_factories_match_torch():
    data = [[0, 1, 0], [2, 0, 3]]
    assert hb.tensor(data).nonzero().tolist() == torch.tensor(data).nonzero().tolist()
    ours = [t.tolist() for t in hb.tensor(data).nonzero(as_tuple=True)]
    assert ours == [t.tolist() for t in torch.tensor(data).nonzero(as_tuple=True)]
    x, t = hb.zeros(2, dtype=hb.float64), torch.zeros(2, dtype=torch.float64)
    for make in (
        lambda m: m.new_zeros(2, 3),
        lambda m: m.new_ones((2,)),
        lambda m: m.new_full((2,), 7),
        lambda m: m.new_tensor([1, 2]),
    ):
        ours, theirs = make(x), make(t)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()
