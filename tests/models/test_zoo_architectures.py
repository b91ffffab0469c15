"""The zoo's architectures: exact parameter counts, torchvision's state_dict keys, forward and
backward at each model's input size (ImageNet models at a smaller one), output shapes,
GoogLeNet's auxiliary heads, builder errors, docstrings.

Sizes: LeNet runs at 32x32, alexnet_original at 227x227; the ImageNet models run forward +
backward at 32x32 (alexnet at 64x64, its smallest), which their adaptive pooling allows, batch 2,
and five of them (alexnet, resnet18, mobilenet_v1, mobilenet_v2, googlenet) also one no-grad
forward at 224x224 for the output shape. The ImageNet VGGs differ only in their features: vgg11
and vgg11_bn run whole, the six others run their features (the 102.8M-weight classifier they
share costs seconds per backward here). The CIFAR models run in test_zoo_cifar_training.py.
"""

import numpy as np
import pytest
import torch
import torch_reference
from zoo_helpers import PARAMETER_COUNTS, SLOW_TO_INITIALISE, build_fast, count, zoo_models

import hubel as hb
from hubel import models, nn
from hubel.models import get_model, list_models, model_info, parameter_count, skip_init

NAMES = sorted(PARAMETER_COUNTS)


def test_every_architecture_of_the_zoo_has_a_pinned_parameter_count():
    assert set(zoo_models()) == set(PARAMETER_COUNTS)
    assert set(PARAMETER_COUNTS) <= set(list_models())


@pytest.mark.parametrize("name", NAMES)
def test_table_parameter_count_is_exact(name):
    assert parameter_count(name) == PARAMETER_COUNTS[name]


def test_googlenet_with_auxiliary_heads_has_13_004_888_parameters():
    with skip_init():
        assert count(get_model("googlenet", aux_logits=True)) == 13_004_888


def test_skip_init_restores_the_initialisers_even_after_an_error():
    fills = (nn.init.normal_, nn.init.kaiming_normal_, nn.init.zeros_)
    with pytest.raises(RuntimeError), skip_init():
        assert nn.init.normal_ is not fills[0]
        raise RuntimeError
    assert (nn.init.normal_, nn.init.kaiming_normal_, nn.init.zeros_) == fills
    assert get_model("lenet5").c1.weight.detach().numpy().std() > 0


IMAGENET_AND_LENET = [
    n for n in NAMES if model_info(n).input_size[0] == 1 or model_info(n).input_size[1] > 32
]
VGG_FEATURES_ONLY = {"vgg13", "vgg16", "vgg19", "vgg13_bn", "vgg16_bn", "vgg19_bn"}


def assert_runs_forward_and_backward(module, x, out_shape):
    out = module(x)
    assert out.shape == out_shape and np.isfinite(out.detach().numpy()).all()
    (out * hb.randn(*out.shape)).sum().backward()
    for key, p in module.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, key
        assert np.isfinite(p.grad.numpy()).all(), key


@pytest.mark.parametrize("name", IMAGENET_AND_LENET)
def test_model_runs_forward_and_backward_and_every_parameter_gets_a_gradient(name):
    """A real (initialised) build, except the slow-to-initialise ones (see ``build_fast``)."""
    model = build_fast(name) if name in SLOW_TO_INITIALISE else get_model(name)
    assert count(model) == PARAMETER_COUNTS[name]
    channels, size = model_info(name).input_size[:2]
    size = {224: 32, 227: 227, 32: 32}[size] if name != "alexnet" else 64
    x = hb.randn(2, channels, size, size)
    if name in VGG_FEATURES_ONLY:
        assert_runs_forward_and_backward(model.features, x, (2, 512, 1, 1))
    else:
        assert_runs_forward_and_backward(model, x, (2, 10 if channels == 1 else 1000))


@pytest.mark.parametrize(
    "name", ["alexnet", "resnet18", "mobilenet_v1", "mobilenet_v2", "googlenet"]
)
def test_imagenet_model_gives_1000_logits_at_224(name):
    model = get_model(name).eval()
    with hb.no_grad():
        assert model(hb.randn(1, 3, 224, 224)).shape == (1, 1000)


@pytest.mark.parametrize(
    "name, torch_name, kwargs",
    [
        ("alexnet", "alexnet", {}),
        ("vgg11", "vgg11", {}),
        ("vgg16_bn", "vgg16_bn", {}),
        ("googlenet", "googlenet", {}),
        ("googlenet", "googlenet_aux", {"aux_logits": True}),
        ("resnet18", "resnet18", {}),
        ("resnet50", "resnet50", {}),
        ("mobilenet_v2", "mobilenet_v2", {}),
    ],
)
def test_state_dict_keys_and_shapes_equal_torchvisions(name, torch_name, kwargs):
    with skip_init():
        ours = get_model(name, **kwargs).state_dict()
    with torch.device("meta"):
        theirs = torch_reference.MODELS[torch_name]().state_dict()
    assert list(ours) == list(theirs)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {
        k: tuple(v.shape) for k, v in theirs.items()
    }


def test_num_classes_changes_only_the_last_layer():
    with skip_init():
        model = get_model("resnet50", num_classes=37)
    assert model.fc.weight.shape == (37, 2048)
    assert count(model) == PARAMETER_COUNTS["resnet50"] - 1000 * 2049 + 37 * 2049


# ---------------------------------------------------------------------------------- GoogLeNet
def test_googlenet_returns_three_outputs_in_training_with_aux_logits_and_logits_in_eval():
    model = build_fast("googlenet", aux_logits=True, num_classes=7)
    outputs = model(hb.randn(2, 3, 64, 64))
    assert isinstance(outputs, tuple) and len(outputs) == 3
    assert [o.shape for o in outputs] == [(2, 7)] * 3
    assert outputs.logits is outputs[0] and outputs.aux_logits1 is outputs[2]
    y = hb.tensor([1, 4])
    loss = nn.functional.cross_entropy(outputs.logits, y) + 0.3 * (
        nn.functional.cross_entropy(outputs.aux_logits1, y)
        + nn.functional.cross_entropy(outputs.aux_logits2, y)
    )
    loss.backward()
    assert model.aux1.fc2.weight.grad is not None and model.aux2.conv.conv.weight.grad is not None
    model.eval()
    with hb.no_grad():
        logits = model(hb.randn(2, 3, 64, 64))
    assert isinstance(logits, hb.Tensor) and logits.shape == (2, 7)


def test_googlenet_without_aux_logits_returns_plain_logits_in_training():
    model = build_fast("googlenet_cifar")
    assert isinstance(model(hb.randn(1, 3, 32, 32)), hb.Tensor)
    assert not hasattr(model, "aux1")


def test_googlenet_transform_input_rescales_imagenet_normalised_channels():
    model = models.GoogLeNet(transform_input=True)
    x = hb.randn(1, 3, 4, 4)
    out = model._transform_input(x).detach().numpy()
    expected = x.detach().numpy()[0, 1] * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
    np.testing.assert_allclose(out[0, 1], expected, rtol=1e-6)


# ------------------------------------------------------------------------------------ LeNet
@pytest.mark.parametrize(
    "variant, activation, pool",
    [("classic", nn.Tanh, nn.AvgPool2d), ("modern", nn.ReLU, nn.MaxPool2d)],
)
def test_lenet5_has_the_papers_feature_map_sizes(variant, activation, pool):
    model = models.lenet5(variant=variant)
    assert isinstance(model.act1, activation) and isinstance(model.s2, pool)
    shapes = {}
    for name, layer in model.named_children():
        layer.register_forward_hook(lambda m, i, o, name=name: shapes.__setitem__(name, o.shape))
    model(hb.randn(1, 1, 32, 32))
    assert shapes["c1"] == (1, 6, 28, 28) and shapes["s2"] == (1, 6, 14, 14)
    assert shapes["c3"] == (1, 16, 10, 10) and shapes["s4"] == (1, 16, 5, 5)
    assert shapes["c5"] == (1, 120, 1, 1) and shapes["f6"] == (1, 84)
    assert shapes["output"] == (1, 10)


def test_lenet5_names_the_size_it_needs():
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 1, 32, 32\), got"):
        models.lenet5()(hb.randn(1, 1, 28, 28))


# ---------------------------------------------------------------------------------- AlexNet
def test_alexnet_original_has_two_group_convolutions_and_local_response_norm():
    with skip_init():
        model = models.alexnet_original()
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 2, 1, 2, 2]
    assert [c.out_channels for c in convs] == [96, 256, 384, 384, 256]
    assert convs[1].weight.shape == (256, 48, 5, 5)  # each half sees 48 of the 96 channels
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in model.features) == 2


def test_alexnet_original_starts_with_the_papers_biases():
    model = models.alexnet_original()
    assert count(model) == PARAMETER_COUNTS["alexnet_original"]
    biases = [
        m.bias.detach().numpy() for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)
    ]
    assert [float(b[0]) for b in biases] == [0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0]


# -------------------------------------------------------------------------------- MobileNet
@pytest.mark.parametrize("width_mult", [0.25, 0.5, 0.75])
def test_mobilenet_v1_width_multiplier_scales_every_layer(width_mult):
    with skip_init():
        full, thin = models.mobilenet_v1(), models.mobilenet_v1(width_mult=width_mult)
    convs = [(a, b) for a, b in zip(full.modules(), thin.modules()) if isinstance(a, nn.Conv2d)]
    assert len(convs) == 27  # 1 full convolution + 13 x (depthwise + pointwise)
    for a, b in convs:
        assert b.out_channels == int(a.out_channels * width_mult)
        assert b.groups == (b.in_channels if a.groups > 1 else 1)
    assert thin.fc.in_features == int(1024 * width_mult)
    # About α² of 4.2M: the paper's Table 6 has 2.6M, 1.3M, 0.5M (these are Keras's counts)
    assert count(thin) == {0.25: 470_072, 0.5: 1_331_592, 0.75: 2_585_560}[width_mult]


def test_mobilenet_v1_blocks_are_depthwise_then_pointwise():
    with skip_init():
        block = models.mobilenet_v1().features[2]
    depthwise, pointwise = block.depthwise[0], block.pointwise[0]
    assert depthwise.groups == depthwise.in_channels == 64 and depthwise.kernel_size == (3, 3)
    assert depthwise.stride == (2, 2)
    assert pointwise.kernel_size == (1, 1) and pointwise.out_channels == 128
    assert isinstance(block.depthwise[1], nn.BatchNorm2d)
    assert isinstance(block.pointwise[2], nn.ReLU)


# ----------------------------------------------------------------------------- CIFAR ResNets
def test_option_a_shortcut_subsamples_and_pads_zero_channels_without_parameters():
    from hubel.models.resnet_cifar import ZeroPadShortcut

    shortcut = ZeroPadShortcut(stride=2, extra_channels=16)
    x = hb.randn(2, 16, 8, 8, requires_grad=True)
    y = shortcut(x)
    assert y.shape == (2, 32, 4, 4) and list(shortcut.parameters()) == []
    np.testing.assert_array_equal(y.detach().numpy()[:, 8:24], x.detach().numpy()[:, :, ::2, ::2])
    assert not y.detach().numpy()[:, :8].any() and not y.detach().numpy()[:, 24:].any()
    y.sum().backward()
    assert x.grad.numpy()[:, :, ::2, ::2].min() == 1 and x.grad.numpy()[:, :, 1::2].max() == 0


def test_cifar_resnet_stages_and_plain_network_without_skips():
    resnet, plain = models.resnet20(), models.plain20()
    assert [len(s) for s in (resnet.layer1, resnet.layer2, resnet.layer3)] == [3, 3, 3]
    assert all(block.skip for block in resnet.layer2) and not any(b.skip for b in plain.layer2)
    plain.load_state_dict(resnet.state_dict())
    resnet.eval()
    plain.eval()
    x = hb.randn(2, 3, 32, 32)
    assert not np.allclose(resnet(x).detach().numpy(), plain(x).detach().numpy())


# ------------------------------------------------------------------------- errors and docs
@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("resnet18", {"num_classes": 0}, "ResNet: num_classes must be a positive int, got 0"),
        ("vgg16_cifar", {"num_classes": 2.5}, "num_classes must be a positive int, got 2.5"),
        ("mobilenet_v1", {"width_mult": 0}, "width_mult must be a number > 0, got 0"),
        ("mobilenet_v1", {"width_mult": -0.5}, "width_mult must be a number > 0, got -0.5"),
        ("mobilenet_v2", {"width_mult": 0.0}, "width_mult must be a number > 0, got 0.0"),
        ("mobilenet_v1", {"resolution": 0}, "resolution must be a positive int, got 0"),
        ("lenet5", {"variant": "fancy"}, "variant must be one of .* got 'fancy'"),
        ("alexnet", {"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0"),
        ("resnet20", {"in_channels": 0}, "in_channels must be a positive int, got 0"),
    ],
)
def test_bad_builder_arguments_are_named_with_the_expectation_and_value(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        get_model(name, **kwargs)


def test_cifar_resnet_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2 .* got 21"):
        models.CifarResNet(21)


@pytest.mark.parametrize(
    "module, phrases",
    [
        ("lenet", ["LeCun", "1998", "shared 5x5 filters"]),
        ("alexnet", ["Krizhevsky", "2012", "ReLU", "dropout", "groups=2"]),
        ("vgg", ["Simonyan", "only 3x3 filters", "deeper is better"]),
        ("googlenet", ["Szegedy", "1x1 convolution that reduces the channels"]),
        ("resnet", ["He, Zhang, Ren and Sun", "F(x) + x", "skip connection"]),
        ("resnet_cifar", ["section 4.2", "option A", "degradation"]),
        ("mobilenet", ["Howard", "depthwise separable", "width multiplier"]),
        ("mobilenet_v2", ["Sandler", "inverted residual"]),
    ],
)
def test_each_family_docstring_names_the_paper_and_its_key_idea(module, phrases):
    import importlib

    doc = importlib.import_module(f"hubel.models.{module}").__doc__
    for phrase in phrases:
        assert phrase in doc, phrase


@pytest.mark.parametrize("name", NAMES)
def test_every_builder_has_a_docstring_and_the_table_an_idea(name):
    info = model_info(name)
    assert info.builder.__doc__ and info.idea and info.year and info.family
