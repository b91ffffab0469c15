"""conv2d against PyTorch: forward and every gradient over a generated set of configurations,
float64 gradient checks on small cases, channels-last input, bad input. The fast kernel's own
paths (pieces, per-tap products) are pinned against the reference in tests/kernels."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_matches_torch, gradcheck
from hypothesis import given, settings
from window_configs import conv_configs

import hubel as hb
import hubel.functional as F

# PyTorch warns that 'same' padding of an even kernel copies the input; that is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def check_conv(x_shape, w_shape, bias, options, **tolerances):
    shapes = [x_shape, w_shape] + ([(w_shape[0],)] if bias else [])
    assert_matches_torch(
        lambda *t: F.conv2d(*t, **options),
        lambda *t: TF.conv2d(*t, **options),
        shapes=shapes,
        **tolerances,
    )


@settings(max_examples=100, deadline=None, derandomize=True)
@given(conv_configs())
def test_conv2d_matches_torch_on_generated_configs(config):
    x_shape, w_shape, bias, options = config
    check_conv(x_shape, w_shape, bias, options, check_gradcheck=False)


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((2, 3, 6, 5), (4, 3, 3, 3), dict(padding=1)),
        ((1, 2, 7, 7), (3, 2, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
        ((2, 4, 5, 6), (4, 2, 3, 3), dict(groups=2, stride=2, padding=1)),
        ((2, 3, 6, 6), (6, 1, 3, 3), dict(groups=3, padding=2, dilation=2)),
        ((1, 2, 5, 4), (2, 2, 4, 2), dict(padding="same")),
    ],
)
def test_conv2d_gradients_match_central_differences(x_shape, w_shape, options):
    check_conv(x_shape, w_shape, True, options)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (3, 4), (5, 3)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv2d_string_padding_matches_torch(padding, kernel, dilation):
    """'same' with an even dilated span pads one more cell on the bottom/right, as PyTorch."""
    options = dict(padding=padding, dilation=dilation)
    check_conv((2, 3, 9, 8), (4, 3, *kernel), True, options, check_gradcheck=False)


def test_conv2d_reads_channels_last_views_as_contiguous_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 7, 6))
    channels_last = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    w = hb.tensor(rng.standard_normal((4, 5, 3, 3)))
    a = F.conv2d(hb.tensor(x), w, padding=1)
    b = F.conv2d(hb.from_numpy(channels_last), w, padding=1)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert (
        a.detach().numpy().transpose(0, 2, 3, 1).flags.c_contiguous
    )  # the output is channels-last too


def test_conv2d_frozen_weights_still_give_the_input_gradient():
    x = hb.randn(2, 3, 5, 5, requires_grad=True)
    w, b = hb.randn(4, 3, 3, 3), hb.randn(4)
    F.conv2d(x, w, b, padding=1).sum().backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    TF.conv2d(
        xt, torch.tensor(w.detach().numpy()), torch.tensor(b.detach().numpy()), padding=1
    ).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_conv2d_float64_gradcheck_through_a_two_layer_stack():
    def stack(x, w1, w2):
        return F.conv2d(F.relu(F.conv2d(x, w1, stride=2, padding=1)), w2, groups=2, padding=1)

    rng = np.random.default_rng(1)
    gradcheck(stack, [rng.standard_normal(s) for s in [(1, 2, 5, 5), (4, 2, 3, 3), (2, 2, 2, 2)]])


# ------------------------------------------------------------------------------ bad input
def test_input_too_small_shows_the_formula_with_the_numbers():
    message = (
        "conv2d(kernel_size=5, stride=1, padding=0): input width 3 gives output width "
        "(3 - 5 + 0)/1 + 1 = -1 < 1"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        F.conv2d(hb.randn(1, 1, 8, 3), hb.randn(1, 1, 5, 5))


def test_dilated_kernel_too_big_names_its_span():
    with pytest.raises(
        ValueError, match=r"input height 4 .* = 0 < 1 \(dilated kernel: 2·\(3 - 1\)"
    ):
        F.conv2d(hb.randn(1, 1, 4, 9), hb.randn(1, 1, 3, 3), dilation=2)


@pytest.mark.parametrize(
    "x_shape, w_shape, options, error, match",
    [
        ((8, 4, 32, 32), (6, 3, 3, 3), {}, ValueError, r"expected input of shape \(N, 3, H, W\)"),
        ((4, 32, 32), (6, 3, 3, 3), {}, ValueError, r"add a batch axis"),
        ((2, 4, 8, 8), (6, 2, 3, 3), dict(groups=4), ValueError, r"groups=4 must divide out_chan"),
        ((2, 4, 8, 8), (6, 4, 3), {}, ValueError, r"expected weight of shape \(C_out, C_in/gr"),
        ((2, 4, 8, 8), (6, 4, 3, 3), dict(stride=0), ValueError, r"stride must be an int >= 1"),
        ((2, 4, 8, 8), (6, 4, 3, 3), dict(padding=-1), ValueError, r"padding must be an int >= 0"),
        ((2, 4, 8, 8), (6, 4, 3, 3), dict(padding="full"), ValueError, r"'same', 'valid'"),
        ((2, 4, 8, 8), (6, 4, 3, 3), dict(padding="same", stride=2), ValueError, r"needs stride=1"),
        ((2, 4, 8, 8), (6, 4, 3, 3), dict(groups=0), ValueError, r"groups must be a positive int"),
    ],
)
def test_bad_arguments_name_the_argument_and_what_was_given(
    x_shape, w_shape, options, error, match
):
    with pytest.raises(error, match=match):
        F.conv2d(hb.randn(*x_shape), hb.randn(*w_shape), **options)


def test_dtype_mismatch_between_input_and_weight_is_a_type_error():
    with pytest.raises(TypeError, match=r"input dtype float64 does not match weight dtype float32"):
        F.conv2d(hb.randn(1, 2, 5, 5, dtype=hb.float64), hb.randn(3, 2, 3, 3))


def test_bias_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"expected bias of shape \(3,\), got \(4,\)"):
        F.conv2d(hb.randn(1, 2, 5, 5), hb.randn(3, 2, 3, 3), hb.randn(4))
