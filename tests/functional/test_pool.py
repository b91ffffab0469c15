"""Pooling against PyTorch: max (ties, indices, NaN), average (ceil mode, padding counted or
not, divisor override), adaptive (bins that do not divide), global; bad input."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_matches_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from window_configs import pool_configs, ties

import hubel as hb
import hubel.functional as F


@settings(max_examples=80, deadline=None, derandomize=True)
@given(pool_configs(dilation=True))
def test_max_pool2d_matches_torch_with_ties_and_indices(config):
    """Ties send the gradient to ONE cell, the first max in row-major order, as PyTorch."""
    shape, options = config
    assert_matches_torch(
        lambda x: F.max_pool2d(x, **options),
        lambda x: TF.max_pool2d(x, **options),
        inputs=ties(shape),
        check_gradcheck=False,
    )
    x = ties(shape)[0]
    _, ours = F.max_pool2d(hb.tensor(x), **options, return_indices=True)
    _, theirs = TF.max_pool2d(torch.tensor(x), **options, return_indices=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=2),
        dict(kernel_size=2, stride=1),
        dict(kernel_size=2, ceil_mode=True),
        dict(kernel_size=2, stride=1, dilation=2),
        dict(kernel_size=2, padding=1),  # border windows start in the padding: not pairwise
    ],
)
def test_max_pool2d_2x2_tournament_matches_torch_on_ties(options):
    """2x2 windows take the pairwise path (``_max_of_four``): every tie pattern of four values
    from {0, 1} must send the gradient and the index where PyTorch does."""
    patterns = np.array(np.meshgrid(*[[0.0, 1.0]] * 4)).reshape(4, -1).T  # the 16 windows
    x = np.zeros((2, 16, 4, 5))
    x[:, :, :2, :2] = patterns.reshape(1, 16, 2, 2)  # the top-left window of each channel
    x[:, :, 2:, :] = ties((2, 16, 2, 5), seed=3)[0]
    assert_matches_torch(
        lambda t: F.max_pool2d(t, **options),
        lambda t: TF.max_pool2d(t, **options),
        inputs=[x],
        check_gradcheck=False,
    )
    _, ours = F.max_pool2d(hb.tensor(x), **options, return_indices=True)
    _, theirs = TF.max_pool2d(torch.tensor(x), **options, return_indices=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("position", range(4))
def test_max_pool2d_2x2_nan_at_each_tap_matches_torch(position):
    x = np.random.default_rng(position).integers(-2, 3, (1, 3, 4, 4)).astype(np.float64)
    rows, cols = divmod(position, 2)
    x[0, 0, rows, cols] = np.nan  # one NaN in the first window
    x[0, 1, rows, cols] = x[0, 1, 1 - rows, 1 - cols] = np.nan  # two NaNs
    ours, ours_index = F.max_pool2d(hb.tensor(x), 2, return_indices=True)
    theirs, theirs_index = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(ours_index.detach().numpy(), theirs_index.detach().numpy())


@settings(max_examples=80, deadline=None, derandomize=True)
@given(pool_configs(dilation=False), st.booleans(), st.sampled_from([None, 1, 5]))
def test_avg_pool2d_matches_torch(config, count_include_pad, divisor_override):
    shape, options = config
    options.update(count_include_pad=count_include_pad, divisor_override=divisor_override)
    assert_matches_torch(
        lambda x: F.avg_pool2d(x, **options),
        lambda x: TF.avg_pool2d(x, **options),
        shapes=[shape],
        check_gradcheck=False,
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=(2, 3), stride=1, dilation=(2, 1), ceil_mode=True),
        dict(kernel_size=3, stride=2, ceil_mode=True),
    ],
)
def test_max_pool2d_gradcheck(options):
    assert_matches_torch(
        lambda x: F.max_pool2d(x, **options),
        lambda x: TF.max_pool2d(x, **options),
        shapes=[(2, 2, 7, 6)],
    )


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_gradcheck(count_include_pad):
    options = dict(
        kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=count_include_pad
    )
    assert_matches_torch(
        lambda x: F.avg_pool2d(x, **options),
        lambda x: TF.avg_pool2d(x, **options),
        shapes=[(2, 2, 6, 7)],
    )


def test_max_pool2d_nan_and_all_minus_infinity_windows_match_torch():
    """NaN wins (the last NaN of a window, PyTorch's kernel); a window of -inf points at its
    first cell inside the image, never at the padding."""
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6))
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = x[1, 1, 4, 4] = np.nan
    x[1, 0] = -np.inf
    for options in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        ours = F.max_pool2d(hb.tensor(x), return_indices=True, **options)
        theirs = TF.max_pool2d(torch.tensor(x), return_indices=True, **options)
        np.testing.assert_array_equal(ours[0].detach().numpy(), theirs[0].detach().numpy())
        np.testing.assert_array_equal(ours[1].detach().numpy(), theirs[1].detach().numpy())


SIZES = [(7, 6), (5, 9), (3, 4), (1, 1), 1, 2, (None, 3), (10, 13)]


@pytest.mark.parametrize("output_size", SIZES)
def test_adaptive_avg_pool2d_matches_torch(output_size):
    """Bins [floor(i·L/n), ceil((i+1)·L/n)) overlap when n does not divide L; n > L too."""
    assert_matches_torch(
        lambda x: F.adaptive_avg_pool2d(x, output_size),
        lambda x: TF.adaptive_avg_pool2d(x, output_size),
        shapes=[(2, 3, 7, 9)],
    )


@pytest.mark.parametrize("output_size", SIZES)
def test_adaptive_max_pool2d_matches_torch_with_ties_and_indices(output_size):
    x = ties((2, 3, 7, 9), seed=1)
    assert_matches_torch(
        lambda x: F.adaptive_max_pool2d(x, output_size),
        lambda x: TF.adaptive_max_pool2d(x, output_size),
        inputs=x,
        check_gradcheck=False,
    )
    _, ours = F.adaptive_max_pool2d(hb.tensor(x[0]), output_size, return_indices=True)
    _, theirs = TF.adaptive_max_pool2d(torch.tensor(x[0]), output_size, return_indices=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_adaptive_max_pool2d_gradcheck():
    assert_matches_torch(
        lambda x: F.adaptive_max_pool2d(x, (3, 4)),
        lambda x: TF.adaptive_max_pool2d(x, (3, 4)),
        shapes=[(1, 2, 5, 7)],
    )


def test_global_average_pool_of_a_channels_last_view():
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 6))
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    assert_matches_torch(
        lambda x: F.adaptive_avg_pool2d(x, 1),
        lambda x: TF.adaptive_avg_pool2d(x, 1),
        inputs=[channels_last],
    )


# ------------------------------------------------------------------------------ bad input
def test_pool_input_too_small_shows_the_formula_with_the_numbers():
    message = (
        "max_pool2d(kernel_size=3, stride=2, padding=0): input width 2 gives output "
        "width (2 - 3 + 0)/2 + 1 = 0 < 1"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        F.max_pool2d(hb.randn(1, 1, 8, 2), 3, 2)


def test_ceil_mode_formula_shows_the_ceiling():
    with pytest.raises(ValueError, match=re.escape("ceil((1 - 3 + 0)/2) + 1 = 0 < 1")):
        F.avg_pool2d(hb.randn(1, 1, 1, 8), 3, 2, ceil_mode=True)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: F.max_pool2d(x, 3, padding=2), r"padding must be at most half .* padding=2"),
        (lambda x: F.max_pool2d(x[..., :1], (1, 2), padding=(0, 1), dilation=2), r"only padding"),
        (lambda x: F.max_pool2d(x, 0), r"kernel_size must be an int >= 1 .* got 0"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), r"divisor_override must be a pos"),
        (lambda x: F.adaptive_avg_pool2d(x, (0, 2)), r"output_size must be an int >= 1"),
        (lambda x: F.max_pool2d(x[0], 2), r"expected input of shape \(N, C, H, W\), got \(3, "),
    ],
)
def test_bad_pool_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call(hb.randn(2, 3, 8, 8))
