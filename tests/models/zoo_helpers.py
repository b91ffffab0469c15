"""Shared by the zoo's tests: exact parameter counts, and a fast way to get runnable weights."""

from __future__ import annotations

import math

import numpy as np

from hubel.models import get_model, list_models, model_info, skip_init

# The files of the architecture zoo (the MLP and the digits CNN have their own tests).
ZOO_FILES = (
    "lenet",
    "alexnet",
    "vgg",
    "googlenet",
    "resnet",
    "resnet_cifar",
    "mobilenet",
    "mobilenet_v2",
)
ZOO_MODULES = {f"hubel.models.{name}" for name in ZOO_FILES}

# torchvision's counts (the issue's numbers) for the ImageNet models; the papers' or the common
# implementations' for the others (LeNet-5 61,706; Caffe's AlexNet 60,965,224; MobileNet v1
# 4.2M (Keras: 4,231,976 trainable); the CIFAR ResNets 0.27M ... 1.7M as in He et al. Table 6).
PARAMETER_COUNTS = {
    "lenet5": 61_706,
    "lenet5_modern": 61_706,
    "lenet5_cifar": 62_006,
    "alexnet": 61_100_840,
    "alexnet_original": 60_965_224,
    "vgg11": 132_863_336,
    "vgg13": 133_047_848,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "vgg11_bn": 132_868_840,
    "vgg13_bn": 133_053_736,
    "vgg16_bn": 138_365_992,
    "vgg19_bn": 143_678_248,
    "vgg11_cifar": 9_231_114,
    "vgg16_cifar": 14_728_266,
    "googlenet": 6_624_904,
    "googlenet_cifar": 5_490_986,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnet18_cifar": 11_173_962,
    "resnet20": 269_722,
    "resnet32": 464_154,
    "resnet44": 658_586,
    "resnet56": 853_018,
    "resnet110": 1_727_962,
    "plain20": 269_722,
    "plain56": 853_018,
    "mobilenet_v1": 4_231_976,
    "mobilenet_v1_cifar": 3_217_226,
    "mobilenet_v2": 3_504_872,
}

# Initialising these with their own init.normal_ takes seconds each on this machine (VGG's
# 102.8M-weight first FC layer ~7 s, alexnet_original's 58.6M FC weights ~3 s), so the tests
# that only need runnable weights get them from build_fast().
SLOW_TO_INITIALISE = {
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg13_bn",
    "vgg16_bn",
    "vgg19_bn",
    "alexnet_original",
}


def zoo_models() -> list[str]:
    """The registered names whose builders live in the zoo's files."""
    return [n for n in list_models() if model_info(n).builder.__module__ in ZOO_MODULES]


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def build_fast(name: str, seed: int = 0, **kwargs):
    """The model ``name``, built without its own initialisation (``skip_init``) and then given
    He-uniform weights drawn in float32 (U(±sqrt(6/fan_in)), biases 0, BN γ = 1, β = 0): a
    runnable model in a fraction of the time. For tests that run a model, not for its init."""
    rng = np.random.default_rng(seed)
    with skip_init():
        model = get_model(name, **kwargs)
    for key, p in model.named_parameters():
        if p.ndim >= 2:
            bound = math.sqrt(6.0 / (p.numel() // p.shape[0]))
            rng.random(out=p.data, dtype=np.float32)
            p.data -= 0.5
            p.data *= 2 * bound
        else:
            p.data[...] = 1.0 if key.endswith("weight") else 0.0  # BN γ, or a bias
    return model
