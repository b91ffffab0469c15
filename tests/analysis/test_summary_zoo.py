"""hb.summary on the model zoo: every model runs, and the MAC totals are torchvision's.

Models are built with ``skip_init`` (no weights drawn: VGG's 138M would take seconds) and
summarised at the smallest input their family allows (time goes into the forward pass),
except the three MAC totals, which are only meaningful at 224x224.
"""

from __future__ import annotations

import functools

import pytest

from hubel.analysis import summary
from hubel.models import get_model, list_models, model_info, skip_init

# the smallest side each family's strides and poolings allow; LeNet, the MLP and the 2012
# AlexNet check for their own input size
SMALLEST_SIDE = {"AlexNet": 64, "VGG": 32, "GoogLeNet": 16, "ResNet": 8, "Plain": 8, "MobileNet": 8}
FIXED_INPUT = {"alexnet_original"}

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # uninitialised weights


def build(name: str):
    with skip_init():
        return get_model(name)


def small_input(name: str) -> tuple[int, ...]:
    info = model_info(name)
    side = SMALLEST_SIDE.get(info.family)
    if side is None or name in FIXED_INPUT:
        return info.input_size
    return (info.input_size[0], side, side)


@functools.cache
def summary_224(name: str):
    return summary(build(name), (3, 224, 224), explain=True)


@pytest.mark.parametrize("name", list_models())
def test_every_zoo_model_is_summarised_with_every_parameter_counted(name):
    model = build(name)
    result = summary(model, small_input(name), depth=2)
    assert result.total_params == sum(p.numel() for p in model.parameters())
    assert sum(row.params for row in result.rows) == result.total_params
    assert result.total_macs > 0 and result.network_depth > 0
    assert result.warnings == ()  # every layer and op of the zoo has a counting rule


@pytest.mark.parametrize(
    ("name", "macs", "depth"),
    [
        ("resnet18", 1_814_073_344, 18),
        ("alexnet", 714_188_480, 8),
        ("mobilenet_v2", 300_774_272, 53),
    ],
)
def test_mac_totals_at_224_match_torchvision(name, macs, depth):
    result = summary_224(name)
    assert result.total_macs == macs
    assert result.network_depth == depth


def test_resnet_residual_adds_are_rows():
    adds = [row for row in summary_224("resnet18").rows if row.layer_type == "Add"]
    assert [row.name for row in adds[:3]] == ["layer1.0 (add)", "layer1.1 (add)", "layer2.0 (add)"]
    assert len(adds) == 8
    assert adds[0].other_ops == 64 * 56 * 56


def test_mobilenet_v2_first_depthwise_conv_divides_by_groups():
    rows = {row.name: row for row in summary_224("mobilenet_v2").rows}
    depthwise = rows["features.1.conv.0.0"]
    assert depthwise.input_shapes == ((1, 32, 112, 112),)
    assert depthwise.macs == 3 * 3 * (32 // 32) * 32 * 112 * 112 == 3_612_672
    assert "MACs = 3·3·(32/32)·32·112·112 = 3,612,672" in depthwise.steps


def test_googlenet_concatenations_are_rows():
    result = summary(build("googlenet"), (3, 16, 16))
    cats = [row.name for row in result.rows if row.layer_type == "Cat"]
    assert cats[:2] == ["inception3a (cat)", "inception3b (cat)"] and len(cats) == 9
