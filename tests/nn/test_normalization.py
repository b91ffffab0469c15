import numpy as np
import pytest
import torch
from helpers import assert_matches_torch, copy_state_to_torch

import hubel as hb
import hubel.nn.functional as F
from hubel import nn


@pytest.mark.parametrize(
    "shape, normalized", [((4, 6), (6,)), ((2, 3, 5), (5,)), ((2, 3, 4, 5), (4, 5)), ((3,), 3)]
)
def test_layer_norm_matches_torch(shape, normalized):
    tail = (normalized,) if isinstance(normalized, int) else normalized
    assert_matches_torch(
        lambda x, w, b: F.layer_norm(x, normalized, w, b, eps=1e-5),
        lambda x, w, b: torch.nn.functional.layer_norm(x, tail, w, b, eps=1e-5),
        shapes=[shape, tail, tail],
    )


def test_layer_norm_without_affine_matches_torch():
    assert_matches_torch(
        lambda x: F.layer_norm(x, (4,)),
        lambda x: torch.nn.functional.layer_norm(x, (4,)),
        shapes=[(3, 4)],
    )


@pytest.mark.parametrize(
    "shape, groups", [((2, 6, 4, 3), 3), ((3, 4, 5), 2), ((2, 4), 4), ((2, 6, 3), 1)]
)
def test_group_norm_matches_torch(shape, groups):
    channels = (shape[1],)
    assert_matches_torch(
        lambda x, w, b: F.group_norm(x, groups, w, b),
        lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
        shapes=[shape, channels, channels],
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.LayerNorm(5),
        lambda m: m.LayerNorm((3, 5), eps=1e-3),
        lambda m: m.LayerNorm(5, elementwise_affine=False),
        lambda m: m.LayerNorm(5, bias=False),
        lambda m: m.GroupNorm(3, 6),
        lambda m: m.GroupNorm(2, 6, affine=False),
        lambda m: m.GroupNorm(2, 6, bias=False),
        lambda m: m.InstanceNorm2d(4, affine=True),
    ],
)
def test_norm_modules_match_torch_with_the_same_state_dict(make):
    ours, theirs = make(nn), make(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    for p in ours.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    copy_state_to_torch(ours, theirs)
    shape = (2, 6, 3, 5) if isinstance(ours, nn.GroupNorm) else (2, 4, 3, 5)
    data = rng.standard_normal(shape).astype(np.float32)
    x, t = hb.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, u = ours(x), theirs(t)
    np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=1e-4, atol=1e-5)
    upstream = rng.standard_normal(shape).astype(np.float32)
    (y * hb.tensor(upstream)).sum().backward()
    (u * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name
        )


def test_norms_refuse_shapes_that_do_not_fit():
    with pytest.raises(RuntimeError, match=r"expected input with shape \(\*, 5\)"):
        nn.LayerNorm(5)(hb.zeros(2, 4))
    with pytest.raises(RuntimeError, match="num_groups to divide the 6 channels"):
        F.group_norm(hb.zeros(2, 6, 3), 4)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    ids = np.array([[0, 2, 4], [2, 2, 1]])  # repeats: their gradients add up
    assert_matches_torch(
        lambda w: F.embedding(hb.tensor(ids), w, padding_idx),
        lambda w: torch.nn.functional.embedding(torch.tensor(ids), w, padding_idx),
        shapes=[(5, 3)],
        # the padding row's gradient is zero by definition, not by calculus: torch is the check
        check_gradcheck=padding_idx is None,
    )


def test_embedding_module_matches_torch():
    ours, theirs = nn.Embedding(6, 4, padding_idx=1), torch.nn.Embedding(6, 4, padding_idx=1)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    assert not ours.weight.detach().numpy()[1].any()
    copy_state_to_torch(ours, theirs)
    ids = np.array([1, 3, 5, 3])
    y, u = ours(hb.tensor(ids)), theirs(torch.tensor(ids))
    np.testing.assert_array_equal(y.detach().numpy(), u.detach().numpy())
    y.sum().backward()
    u.sum().backward()
    np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    frozen = nn.Embedding.from_pretrained(hb.ones(3, 2))
    assert not frozen.weight.requires_grad and frozen(hb.tensor([2])).shape == (1, 2)


def test_embedding_refuses_bad_ids():
    table = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"indices must be in \[0, 3\]"):
        table(hb.tensor([4]))
    with pytest.raises(TypeError, match="integer indices"):
        table(hb.tensor([1.0]))


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5)])
def test_instance_norm_matches_torch(shape):
    channels = (shape[1],)
    assert_matches_torch(
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b),
        shapes=[shape, channels, channels],
    )


@pytest.mark.parametrize(
    "name, shape", [("InstanceNorm1d", (2, 3, 6)), ("InstanceNorm2d", (2, 3, 4, 5))]
)
def test_instance_norm_modules_match_torch(name, shape):
    ours, theirs = getattr(nn, name)(3), getattr(torch.nn, name)(3)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_matches_torch(ours, theirs, shapes=[shape], rtol=1e-7)


def test_instance_norm_refuses_running_stats_and_wrong_shapes():
    with pytest.raises(ValueError, match="track_running_stats=True is not supported"):
        nn.InstanceNorm2d(3, track_running_stats=True)
    with pytest.raises(RuntimeError, match=r"expected input of shape \(N, 3, H, W\)"):
        nn.InstanceNorm2d(3)(hb.zeros(2, 4, 5, 5))
