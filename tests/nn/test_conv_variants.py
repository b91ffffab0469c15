import numpy as np
import pytest
import torch
from helpers import assert_matches_torch, copy_state_to_torch

import hubel as hb
import hubel.nn.functional as F
from hubel import nn

CONV1D = [
    dict(),
    dict(stride=2, padding=1),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(padding="same"),
]


@pytest.mark.parametrize("options", CONV1D, ids=str)
def test_conv1d_matches_torch(options):
    groups = options.get("groups", 1)
    assert_matches_torch(
        lambda x, w, b: F.conv1d(x, w, b, **options),
        lambda x, w, b: torch.nn.functional.conv1d(x, w, b, **options),
        shapes=[(2, 4, 9), (6, 4 // groups, 3), (6,)],
    )


TRANSPOSED = [
    dict(),
    dict(stride=2),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 3), padding=(1, 0)),
    dict(dilation=2, padding=1),
    dict(groups=2, stride=2),
    dict(padding=2),  # padding larger than the kernel reach crops
]


@pytest.mark.parametrize("options", TRANSPOSED, ids=str)
def test_conv_transpose2d_matches_torch(options):
    groups = options.get("groups", 1)
    assert_matches_torch(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **options),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **options),
        shapes=[(2, 4, 4, 5), (4, 6 // groups, 3, 2), (6,)],
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Conv1d(4, 6, 3),
        lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, bias=False),
        lambda m: m.ConvTranspose2d(4, 6, 3),
        lambda m: m.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1),
        lambda m: m.ConvTranspose2d(4, 6, 2, stride=2, groups=2, bias=False),
    ],
)
def test_conv_variant_modules_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    copy_state_to_torch(ours, theirs)
    shape = (2, 4, 9) if isinstance(ours, nn.Conv1d) else (2, 4, 5, 5)
    data = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y, u = ours(hb.tensor(data)), theirs(torch.tensor(data))
    np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_default_init_bounds_follow_torchs_fan_in():
    # ConvTranspose2d's fan_in is weight.shape[1] * kernel area = (C_out/groups) * F_h * F_w
    layer = nn.ConvTranspose2d(8, 2, 3)
    bound = 1 / np.sqrt(2 * 9)
    assert np.abs(layer.bias.detach().numpy()).max() <= bound
    assert np.abs(layer.weight.detach().numpy()).max() <= bound


def test_conv_variants_refuse_mismatched_shapes():
    with pytest.raises(RuntimeError, match=r"expected input \(N, C_in, L\)"):
        F.conv1d(hb.zeros(2, 4, 4, 4), hb.zeros(6, 4, 3))
    with pytest.raises(RuntimeError, match="with the same C_in"):
        F.conv_transpose2d(hb.zeros(2, 3, 4, 4), hb.zeros(4, 6, 3, 3))
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        F.conv_transpose2d(hb.zeros(1, 4, 4, 4), hb.zeros(4, 6, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="groups=3 must divide"):
        nn.Conv1d(4, 6, 3, groups=3)
