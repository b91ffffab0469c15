"""F.pad (all four modes) and local response norm against PyTorch; the window geometry."""

import numpy as np
import pytest
import torch.nn.functional as TF
from helpers import assert_matches_torch

import hubel as hb
import hubel.functional as F
from hubel.functional.window import pad_indices
from hubel.geometry import Window


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2, 0, 0), (2, 0, 1, 3), (0, 0, 3, 1)])
def test_pad_matches_torch_in_every_mode(mode, pad):
    assert_matches_torch(
        lambda x: F.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode), shapes=[(2, 3, 4, 5)]
    )


def test_constant_pad_uses_its_value_and_a_pair_pads_the_width_only():
    assert_matches_torch(
        lambda x: F.pad(x, (1, 2), value=2.5),
        lambda x: TF.pad(x, (1, 2), value=2.5),
        shapes=[(1, 2, 3, 3)],
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_indices_agree_with_numpy_pad(mode):
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    cells = np.arange(5)
    expected = np.pad(cells, (3, 4), mode=numpy_mode)
    np.testing.assert_array_equal(cells[pad_indices(5, 3, 4, mode, np)], expected)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: F.pad(x, (1, 2, 3)), r"an even number of them"),
        (lambda x: F.pad(x, (1, 1) * 5), r"10 values pad 5 axes; the input \(2, 3, 4, 4\) has 4"),
        (lambda x: F.pad(x, (4, 0, 0, 0), "reflect"), r"reflect padding must be at most size - 1"),
        (lambda x: F.pad(x, (5, 0, 0, 0), "circular"), r"circular padding must be at most size"),
        (lambda x: F.pad(x, (1, 0), "replicate"), r"pads the last 1, 2 or 3 axes"),
        (lambda x: F.pad(x, (-3, -2)), r"negative or empty output size"),
        (lambda x: F.pad(x, (1, 0), "mirror"), r"mode must be one of"),
        (lambda x: F.pad(x, (1, 0, 0, 0), "reflect", value=1.0), r"value is only used by mode="),
        (lambda x: F.pad(x, (1.5, 0)), r"of ints"),
    ],
)
def test_bad_pad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call(hb.randn(2, 3, 4, 4))


@pytest.mark.parametrize(
    "shape, pad",
    [
        ((5,), (2, 1)),
        ((3, 4), (1, 0, 2, 3)),
        ((2, 3, 4, 5, 2), (1, 1, 0, 2, 1, 0)),
        ((2, 3, 4, 5), (-1, 2, 1, -2)),  # negative amounts crop
        ((3, 6), (-2, -1)),
        ((2, 3), (0, 0, 1, 1, 2, 0)),  # a new leading extent is padded too (3 axes of 2)
    ],
)
def test_constant_pad_of_any_rank_and_negative_pads_match_torch(shape, pad):
    assert_matches_torch(
        lambda x: F.pad(x, pad, value=-0.5) if len(pad) // 2 <= x.ndim else x,
        lambda x: TF.pad(x, pad, value=-0.5) if len(pad) // 2 <= x.dim() else x,
        shapes=[shape],
    )


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "shape, pad",
    [
        ((2, 5), (2, 1)),
        ((2, 3, 5), (1, 3)),
        ((3, 4, 5), (1, 2, 3, 0)),
        ((2, 3, 4, 4, 5), (1, 2, 0, 3, 2, 1)),
        ((2, 3, 4, 5), (-1, 2, 1, -2)),
    ],
)
def test_edge_modes_on_1d_2d_3d_padding_match_torch(mode, shape, pad):
    assert_matches_torch(
        lambda x: F.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode), shapes=[shape]
    )


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_local_response_norm_matches_torch(size):
    """Window [c - n//2, c + (n-1)//2] over channels, zero beyond the edges; n > C too."""
    options = dict(alpha=0.3, beta=0.75, k=2.0)
    assert_matches_torch(
        lambda x: F.local_response_norm(x, size, **options),
        lambda x: TF.local_response_norm(x, size, **options),
        shapes=[(2, 6, 3, 4)],
    )


def test_local_response_norm_defaults_on_alexnet_sized_channels():
    assert_matches_torch(
        lambda x: F.local_response_norm(x, 5),
        lambda x: TF.local_response_norm(x, 5),
        shapes=[(1, 96, 2, 2)],
        check_gradcheck=False,
    )


def test_local_response_norm_rejects_a_bad_size():
    with pytest.raises(ValueError, match=r"size must be a positive int, got 0"):
        F.local_response_norm(hb.randn(1, 3, 2, 2), 0)


@pytest.mark.parametrize(
    "size, kernel, stride, pad, dilation, expected",
    [(32, 3, 1, 1, 1, 32), (224, 11, 4, 2, 1, 55), (7, 3, 2, 0, 1, 3), (9, 3, 1, 0, 3, 3)],
)
def test_output_size_is_the_course_formula(size, kernel, stride, pad, dilation, expected):
    """W2 = floor((W1 - F + 2P)/S) + 1 with F → D·(F - 1) + 1 (AlexNet's 224 → 55 included)."""
    window = Window((kernel, 1), (stride, 1), (pad, pad, 0, 0), (dilation, 1))
    assert window.output_shape(size, 1, "conv")[0] == expected
