"""Conv2d, pooling, ZeroPad2d, LocalResponseNorm and BatchNorm2d as modules, against torch.nn
with the weights copied by state_dict name; a conv stack whose feature maps stay channels-last."""

import math
import re

import numpy as np
import pytest
import torch
from helpers import copy_state_to_torch

import hubel as hb
from hubel import nn

CONVS = [
    dict(in_channels=3, out_channels=8, kernel_size=3, padding=1),
    dict(
        in_channels=4,
        out_channels=6,
        kernel_size=(3, 5),
        stride=2,
        padding=(1, 2),
        dilation=(2, 1),
        groups=2,
        bias=False,
    ),
    dict(in_channels=4, out_channels=8, kernel_size=3, groups=4, padding="same"),
    dict(in_channels=3, out_channels=5, kernel_size=4, padding="same", padding_mode="reflect"),
    dict(in_channels=3, out_channels=5, kernel_size=3, padding=2, padding_mode="replicate"),
    dict(
        in_channels=3, out_channels=5, kernel_size=(2, 3), padding=(1, 2), padding_mode="circular"
    ),
]


def run_both(module, twin, x, train=True):
    """Forward and backward of a random upstream gradient through both; return the pieces."""
    xh = hb.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yh, yt = module(xh), twin(xt)
    upstream = np.random.default_rng(9).standard_normal(yh.shape)
    yh.backward(hb.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    return xh, xt, yh, yt


def assert_same(module, twin, xh, xt, yh, yt, rtol=1e-9, atol=1e-9):
    np.testing.assert_allclose(yh.detach().numpy(), yt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(xh.grad.numpy(), xt.grad.numpy(), rtol=rtol, atol=atol)
    grads = dict(twin.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), grads[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name
        )


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("options", CONVS)
def test_conv2d_module_matches_torch_with_copied_weights(options):
    hb.set_default_dtype(hb.float64)
    module = nn.Conv2d(**options)
    twin = torch.nn.Conv2d(**options).double()
    copy_state_to_torch(module, twin)
    x = np.random.default_rng(0).standard_normal((2, options["in_channels"], 9, 8))
    assert_same(module, twin, *run_both(module, twin, x))
    assert repr(module) == repr(twin)


def test_conv2d_state_dict_has_torch_keys_and_shapes():
    module, twin = nn.Conv2d(6, 4, (3, 2), groups=2), torch.nn.Conv2d(6, 4, (3, 2), groups=2)
    ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    assert ours == {k: tuple(v.shape) for k, v in twin.state_dict().items()}
    assert ours == {"weight": (4, 3, 3, 2), "bias": (4,)}


def test_conv2d_default_init_is_uniform_within_one_over_sqrt_fan_in():
    """kaiming_uniform_(a=sqrt(5)): bound sqrt(6 / ((1 + 5) fan_in)) = 1/sqrt(fan_in)."""
    module = nn.Conv2d(64, 128, 3, groups=2)
    bound = 1 / math.sqrt(32 * 3 * 3)
    w, b = module.weight.detach().numpy(), module.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound  # the std of U(-a, a) is a/sqrt(3)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.MaxPool2d(3, 2, padding=1, ceil_mode=True),
        lambda m: m.MaxPool2d((2, 3), dilation=(2, 1)),
        lambda m: m.AvgPool2d(3, 2, padding=1, count_include_pad=False),
        lambda m: m.AvgPool2d(2, ceil_mode=True, divisor_override=3),
        lambda m: m.AdaptiveAvgPool2d((3, None)),
        lambda m: m.AdaptiveMaxPool2d((4, 3)),
        lambda m: m.ZeroPad2d((1, 0, 2, 3)),
        lambda m: m.LocalResponseNorm(3, alpha=0.2, k=2.0),
    ],
)
def test_feature_map_modules_match_torch(make):
    module, twin = make(nn), make(torch.nn)
    x = np.random.default_rng(1).standard_normal((2, 4, 7, 9))
    assert_same(module, twin, *run_both(module, twin, x), rtol=1e-12, atol=1e-12)
    assert repr(module) == repr(twin)


def test_max_pool2d_module_returns_torch_indices():
    x = np.random.default_rng(2).integers(0, 3, (2, 3, 6, 7)).astype(np.float64)
    _, ours = nn.MaxPool2d(3, 2, return_indices=True)(hb.tensor(x))
    _, theirs = torch.nn.MaxPool2d(3, 2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def small_cnn(m):
    return m.Sequential(
        m.Conv2d(3, 8, 3, padding=1),
        m.BatchNorm2d(8),
        m.ReLU(),
        m.MaxPool2d(2),
        m.Conv2d(8, 6, 3, padding=1, groups=2),
        m.BatchNorm2d(6),
        m.ReLU(),
        m.AdaptiveAvgPool2d(1),
        m.Flatten(),
        m.Linear(6, 4),
    )


def test_batchnorm2d_on_conv_features_tracks_torch_through_training_steps():
    """Five SGD steps of conv-BN-ReLU-pool-conv-BN-ReLU-GAP-linear: running statistics, the
    training loss at every step and the eval output match PyTorch's."""
    hb.set_default_dtype(hb.float64)
    model, twin = small_cnn(nn), small_cnn(torch.nn).double()
    copy_state_to_torch(model, twin)
    rng = np.random.default_rng(3)
    for _ in range(5):
        x, y = rng.standard_normal((6, 3, 8, 8)) * 2 + 1, rng.integers(0, 4, 6)
        loss = nn.functional.cross_entropy(model(hb.tensor(x)), hb.tensor(y))
        twin_loss = torch.nn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor(y))
        assert abs(loss.item() - twin_loss.item()) < 1e-10
        loss.backward()
        twin_loss.backward()
        with hb.no_grad(), torch.no_grad():
            for p, q in zip(model.parameters(), twin.parameters()):
                p.data -= 0.1 * p.grad.data
                q -= 0.1 * q.grad
                p.grad, q.grad = None, None
    theirs = twin.state_dict()
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(
            np.asarray(value), theirs[name].detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )
    model.eval(), twin.eval()
    x = rng.standard_normal((3, 3, 8, 8))
    np.testing.assert_allclose(
        model(hb.tensor(x)).detach().numpy(),
        twin(torch.tensor(x)).detach().numpy(),
        rtol=1e-9,
        atol=1e-12,
    )


def test_feature_maps_stay_channels_last_from_conv_to_conv():
    """conv returns an NCHW view of channels-last memory; BN, ReLU and pooling keep it, so the
    next conv reads it without a copy, and the results equal those of NCHW-contiguous input."""
    model = small_cnn(nn)
    x = hb.randn(2, 3, 8, 8)
    layouts = []
    handles = [
        m.register_forward_hook(
            lambda mod, i, out: layouts.append(
                out.detach().numpy().transpose(0, 2, 3, 1).flags.c_contiguous
            )
        )
        for m in list(model)[:5]
    ]
    out = model(x)
    assert layouts == [True] * 5  # conv, BN, ReLU, max pool: channels-last all the way
    for h in handles:
        h.remove()
    channels_last = x.detach().numpy().transpose(0, 2, 3, 1).copy().transpose(0, 3, 1, 2)
    np.testing.assert_allclose(
        model(hb.from_numpy(channels_last)).detach().numpy(),
        out.detach().numpy(),
        rtol=1e-6,
        atol=1e-6,
    )


# ------------------------------------------------------------------------------ bad input
def test_conv2d_module_errors_say_what_was_expected_and_given():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Conv2d(in_channels=3, ...): expected input of shape (N, 3, H, W), got (8, 4, 32, 32)"
        ),
    ):
        nn.Conv2d(3, 16, 3)(hb.randn(8, 4, 32, 32))
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Conv2d(kernel_size=5, stride=1, padding=0): input width 3 gives output width "
            "(3 - 5 + 0)/1 + 1 = -1 < 1"
        ),
    ):
        nn.Conv2d(3, 16, 5)(hb.randn(1, 3, 8, 3))


def test_pool_module_names_itself_in_the_output_size_error():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "MaxPool2d(kernel_size=2, stride=2, padding=0): input height 1 gives output height "
            "(1 - 2 + 0)/2 + 1 = 0 < 1"
        ),
    ):
        nn.MaxPool2d(2)(hb.randn(1, 3, 1, 8))


@pytest.mark.parametrize(
    "options, match",
    [
        (dict(in_channels=3, out_channels=4, kernel_size=3, groups=2), r"groups=2 must divide in_"),
        (dict(in_channels=4, out_channels=6, kernel_size=3, groups=4), r"groups=4 must divide out"),
        (dict(in_channels=3, out_channels=4, kernel_size=0), r"kernel_size must be an int >= 1"),
        (dict(in_channels=0, out_channels=4, kernel_size=3), r"in_channels must be a positive"),
        (dict(in_channels=3, out_channels=4, kernel_size=3, padding_mode="mirror"), r"one of"),
        (dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding="same"), r"stride=1"),
    ],
)
def test_conv2d_constructor_checks_its_arguments(options, match):
    with pytest.raises(ValueError, match=match):
        nn.Conv2d(**options)
