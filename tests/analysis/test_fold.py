"""BN folding on small models built here: what folds, what must not, and the worked report."""

from __future__ import annotations

import numpy as np
import pytest
from fold_helpers import (
    BATCHNORMS,
    assert_same_state,
    batchnorm_count,
    randomize_batchnorms,
    relative_error,
    state_arrays,
)

import hubel as hb
from hubel import nn
from hubel.analysis import FoldResult, fold_batchnorm
from hubel.analysis.fold_input import registry_input_size
from hubel.models import get_model, skip_init

IMAGE = (3, 8, 8)


class ResidualBlock(nn.Module):
    """y = ReLU(BN(conv(ReLU(BN(conv(x))))) + x): the pairs live in forward, not a Sequential."""

    def __init__(self, channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + x)


class ConvUsedTwice(nn.Module):
    """The conv's output feeds the BN and, unchanged, the sum: folding would change the sum."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        z = self.conv(x)
        return self.bn(z) + z


class SharedConv(nn.Module):
    """One conv called twice, a BN after the first call only."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.conv(self.bn(self.conv(x)))


class LinearOnSequence(nn.Module):
    """Linear on (N, L, F) puts features last; BatchNorm1d normalises axis 1 (here L)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(64, 3)
        self.bn = nn.BatchNorm1d(3)

    def forward(self, x):
        return self.bn(self.linear(x.reshape(x.shape[0], 3, 64)))


def conv_bn_relu(bias: bool = False, padding_mode: str = "zeros") -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=bias, padding_mode=padding_mode),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 4, 3, stride=2, bias=bias),
        nn.BatchNorm2d(4),
        nn.ReLU(),
    )


def depthwise_separable() -> nn.Module:
    """MobileNet's block: 3x3 depthwise (groups = channels) and 1x1 pointwise, each + BN."""
    return nn.Sequential(
        nn.Conv2d(3, 3, 3, padding=1, groups=3, bias=False),
        nn.BatchNorm2d(3),
        nn.ReLU(),
        nn.Conv2d(3, 8, 1, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
    )


def mlp_bn() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(192, 16),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Linear(16, 5, bias=False),
        nn.BatchNorm1d(5, affine=False),
    )


FOLDABLE = {
    "conv_bn_relu": (conv_bn_relu, 2),
    "conv_bias_reflect": (lambda: conv_bn_relu(bias=True, padding_mode="reflect"), 2),
    "residual_block": (ResidualBlock, 2),
    "depthwise_separable": (depthwise_separable, 2),
    "linear_batchnorm1d": (mlp_bn, 2),
}

UNFOLDABLE = {
    "bn_first": (
        lambda: nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 4, 3)),
        "0",
        "comes from the model's input",
    ),
    "bn_after_relu": (
        lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.BatchNorm2d(4)),
        "2",
        "comes from ReLU '1'",
    ),
    "conv_output_used_twice": (
        ConvUsedTwice,
        "bn",
        "output of 'conv' is also used by Add in the model's forward",
    ),
    "shared_conv": (SharedConv, "bn", "'conv' is called 2 times"),
    "batch_statistics": (
        lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False)),
        "1",
        "track_running_stats=False",
    ),
    "linear_features_last": (LinearOnSequence, "bn", "features on the last axis"),
}


def _eval_model(factory, dtype=np.float64) -> nn.Module:
    return randomize_batchnorms(factory()).to(dtype).eval()


def _batch(dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((2, *IMAGE)).astype(dtype)


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-5), (np.float32, 1e-4)])
@pytest.mark.parametrize("name", FOLDABLE)
def test_fold_batchnorm_keeps_the_output(name, dtype, tolerance):
    factory, pairs = FOLDABLE[name]
    model = _eval_model(factory, dtype)
    result = fold_batchnorm(model, _batch(dtype))
    assert (len(result.folded), result.skipped) == (pairs, [])
    assert batchnorm_count(result.model) == 0
    assert relative_error(model, result.model, _batch(dtype)) < tolerance


def test_folded_conv_gets_a_bias_and_the_batchnorm_becomes_identity():
    model = _eval_model(conv_bn_relu)
    folded = fold_batchnorm(model, _batch()).model
    assert isinstance(folded[1], nn.Identity) and isinstance(folded[4], nn.Identity)
    assert folded[0].bias is not None and folded[0].bias.dtype == np.float64
    assert "0.bias" in folded.state_dict() and "1.running_mean" not in folded.state_dict()
    assert not folded.training


@pytest.mark.parametrize("name", UNFOLDABLE)
def test_unfoldable_batchnorm_is_reported_and_left_in_place(name):
    factory, bn_name, reason = UNFOLDABLE[name]
    model = _eval_model(factory)
    x = _batch()
    result = fold_batchnorm(model, x)
    assert result.folded == []
    assert [skip.name for skip in result.skipped] == [bn_name]
    assert reason in result.skipped[0].reason
    assert isinstance(dict(result.model.named_modules())[bn_name], BATCHNORMS)
    assert reason in result.report()
    if name != "batch_statistics":  # that BN uses each batch's statistics: compare per batch
        assert relative_error(model, result.model, x) == 0


def test_fold_batchnorm_leaves_the_original_untouched():
    model = _eval_model(ResidualBlock)
    before = state_arrays(model)
    fold_batchnorm(model, _batch())
    assert_same_state(before, state_arrays(model))
    assert batchnorm_count(model) == 2 and model.conv1.bias is None


def test_fold_batchnorm_is_idempotent():
    folded = fold_batchnorm(_eval_model(depthwise_separable), _batch()).model
    again = fold_batchnorm(folded, _batch())
    assert (again.folded, again.skipped) == ([], [])
    assert_same_state(state_arrays(folded), state_arrays(again.model))
    assert relative_error(folded, again.model, _batch()) == 0


def test_fold_batchnorm_refuses_a_model_in_training_mode():
    model = randomize_batchnorms(conv_bn_relu())
    with pytest.raises(ValueError, match=r"training mode.*call model\.eval\(\)"):
        fold_batchnorm(model, _batch(np.float32))


def test_report_works_channel_zero_with_its_numbers():
    model = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.BatchNorm2d(1)).eval()
    model[0].weight.data[...] = 0.5
    bn = model[1]
    bn.weight.data[...], bn.bias.data[...] = 1.2, 0.3
    bn.running_mean.data[...], bn.running_var.data[...] = 0.1, 0.25
    result = fold_batchnorm(model, input_size=(1, 2, 2))
    assert isinstance(result, FoldResult)
    folded_model, report = result
    s = 1.2 / np.sqrt(0.25 + 1e-5)
    assert f"s  = γ/√(σ²+ε) = 1.2/√(0.25+1e-05) = {s:.6g}" in str(report)
    assert f"W' = W·s = 0.5·{s:.6g} = {0.5 * s:.6g}" in str(report)
    assert f"b' = (b − μ)·s + β = (0 − 0.1)·{s:.6g} + 0.3 = {0.3 - 0.1 * s:.6g}" in str(report)
    assert "0 + 1 (Conv2d, 1 channels), channel 0:" in report.report()
    assert folded_model[0].bias.detach().numpy()[0] == pytest.approx(0.3 - 0.1 * s, rel=1e-6)


def test_report_puts_negative_operands_in_parentheses():
    model = nn.Sequential(nn.Linear(2, 1), nn.BatchNorm1d(1)).eval()
    model[0].bias.data[...], model[1].running_mean.data[...], model[1].bias.data[...] = 1, -1, -2
    text = fold_batchnorm(model).report()
    assert "(1 − (-1))·" in text and "+ (-2) = " in text


def test_input_size_is_inferred_from_a_first_linear_layer():
    model = _eval_model(lambda: nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4)))
    assert len(fold_batchnorm(model).folded) == 1


@pytest.mark.parametrize(
    "name, kwargs, size",
    [
        ("resnet18", {}, (3, 224, 224)),
        ("resnet18", {"num_classes": 10}, (3, 224, 224)),
        ("resnet18_cifar", {}, (3, 32, 32)),
        ("mobilenet_v1_cifar", {"num_classes": 100}, (3, 32, 32)),
        ("googlenet", {"num_classes": 10}, (3, 224, 224)),
    ],
)
def test_input_size_is_inferred_from_the_model_registry(name, kwargs, size):
    with skip_init():
        model = get_model(name, **kwargs)
    assert registry_input_size(model) == size


def test_input_size_that_cannot_be_inferred_is_asked_for():
    with pytest.raises(ValueError, match=r"cannot tell what input Sequential expects.*input_size"):
        fold_batchnorm(_eval_model(conv_bn_relu))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"input_size": (3, 8)}, ValueError, r"trace with an example input of shape \(1, 3, 8\)"),
        ({"input_size": (3, -8, 8)}, ValueError, r"input_size must be one example's shape"),
        ({"input_size": IMAGE, "example_input": np.zeros((1, *IMAGE))}, ValueError, "not both"),
        ({"example_input": [[1.0]]}, TypeError, "example_input must be a Tensor"),
    ],
)
def test_fold_batchnorm_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        fold_batchnorm(_eval_model(conv_bn_relu), **kwargs)


def test_fold_batchnorm_rejects_what_is_not_a_module():
    with pytest.raises(TypeError, match="model must be a hubel Module, got str"):
        fold_batchnorm("resnet18")


def test_fold_batchnorm_traces_without_leaving_hooks():
    model = _eval_model(ResidualBlock)
    result = fold_batchnorm(model, hb.tensor(_batch()))
    for module in (*model.modules(), *result.model.modules()):
        assert not module._forward_hooks and not module._forward_pre_hooks
    assert not hb.autograd._op_hooks
