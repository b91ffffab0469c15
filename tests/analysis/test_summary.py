"""hb.summary on small models: rows, counts, worked steps, warnings, depth, hooks, errors."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from summary_models import RawArrays, ResidualNet, Swish, TwoBranches, WithUnusedHead

import hubel as hb
from hubel import autograd, nn
from hubel.analysis import Count, register_layer_rule, summary
from hubel.analysis.summary_rules import _CUSTOM_RULES, adaptive_bin_cells


def rows_by_name(result):
    return {row.name: row for row in result.rows}


def test_rows_add_up_to_the_models_parameters_and_macs():
    model = ResidualNet()
    result = summary(model, (3, 32, 32))
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 1_946
    assert sum(row.params for row in result.rows) == result.total_params
    assert result.total_macs == 301_056 + 36_864 + 4_608 + 80
    assert result.total_flops == 2 * result.total_macs
    assert result.total_buffers == 17  # BN's running_mean, running_var, num_batches_tracked
    assert [row.name for row in result.rows] == [
        "stem",
        "pool",
        "block.conv1",
        "block.bn1",
        "block.relu",
        "block.conv2",
        "block (add)",
        "block.relu",
        "avgpool",
        "(reshape)",
        "fc",
    ]


def test_each_layer_counts_its_own_work():
    rows = rows_by_name(summary(ResidualNet(), (3, 32, 32)))
    stem = rows["stem"]
    assert (stem.input_shapes, stem.output_shapes) == (((1, 3, 32, 32),), ((1, 8, 16, 16),))
    assert (stem.trainable_params, stem.macs, stem.other_ops) == (1_184, 301_056, 8 * 16 * 16)
    assert rows["pool"].other_ops == (3 * 3 - 1) * 8 * 8 * 8  # comparisons per max
    bn = rows["block.bn1"]
    assert (bn.trainable_params, bn.buffers, bn.macs, bn.other_ops) == (16, 17, 0, 2 * 512)
    assert rows["avgpool"].other_ops == 8 * 8 * 8  # adds and a divide per 8x8 window
    assert (rows["fc"].macs, rows["fc"].other_ops) == (8 * 10, 10)


def test_functional_residual_add_is_a_row_of_its_container():
    rows = rows_by_name(summary(ResidualNet(), (3, 32, 32)))
    add = rows["block (add)"]
    assert add.layer_type == "Add" and add.depth == 2
    assert add.input_shapes == ((1, 8, 8, 8),) * 2
    assert (add.params, add.macs, add.other_ops) == (0, 0, 8 * 8 * 8)


def test_concatenation_is_a_row_and_copies_without_arithmetic():
    rows = rows_by_name(summary(TwoBranches(), (3, 5, 5)))
    cat = rows["(cat)"]
    assert cat.input_shapes == ((1, 4, 5, 5), (1, 6, 5, 5))
    assert cat.output_shapes == ((1, 10, 5, 5),)
    assert (cat.macs, cat.other_ops) == (0, 0)


def test_depthwise_conv_macs_divide_by_groups():
    conv2 = rows_by_name(summary(ResidualNet(), (3, 32, 32)))["block.conv2"]
    assert conv2.macs == 3 * 3 * (8 // 8) * 8 * 8 * 8
    assert "MACs = 3·3·(8/8)·8·8·8 = 4,608" in conv2.steps


def test_explain_steps_are_the_course_formulas_with_floor_flagged():
    model = nn.Sequential(nn.Conv2d(3, 64, 7, stride=2, padding=3), nn.MaxPool2d(3, 2))
    conv, pool = summary(model, (3, 224, 224), explain=True).rows
    assert conv.steps == (
        "H_out = W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112 (not exact: 111.5 → floor 111)",
        "params = (7·7·3 + 1)·64 = 9,472",
        "MACs = 7·7·3·64·112·112 = 118,013,952",
        "other ops = 64·112·112 = 802,816 bias adds",
    )
    assert pool.steps[0] == (
        "H_out = W_out = floor((112 - 3 + 2·0) / 2) + 1 = 55 (not exact: 54.5 → floor 54)"
    )
    assert pool.steps[-1] == "other ops = (3·3 - 1)·64·55·55 = 1,548,800 comparisons"


def test_a_batch_multiplies_macs_and_memory():
    one = summary(ResidualNet(), (3, 32, 32))
    four = summary(ResidualNet(), (3, 32, 32), batch_size=4)
    assert four.total_macs == 4 * one.total_macs
    assert four.activation_bytes == 4 * one.activation_bytes
    assert four.total_params == one.total_params
    assert "MACs for the batch = 301,056·4 = 1,204,224" in four.rows[0].steps


def test_unknown_layer_type_warns_naming_it_and_is_counted_from_its_ops():
    model = nn.Sequential(nn.Linear(4, 6), Swish())
    with pytest.warns(UserWarning, match=r"no counting rule for layer type Swish \(1\)"):
        result = summary(model, (4,))
    swish = result.rows[1]
    assert swish.trainable_params == 1
    assert swish.other_ops == 3 * 6  # x·β, sigmoid, multiply: one each per value
    assert any("Swish" in message for message in result.warnings)


def test_layer_that_bypasses_hubel_ops_warns_that_it_counted_zero():
    with pytest.warns(UserWarning, match="RawArrays .* ran no hubel ops"):
        summary(nn.Sequential(nn.Linear(4, 6), RawArrays()), (4,))


def test_register_layer_rule_silences_the_warning_and_counts_by_the_rule(recwarn):
    def rule(call):
        return Count(other_ops=4 * call.output.numel(), steps=("swish: 4 ops per value",))

    register_layer_rule(Swish, rule)
    try:
        result = summary(nn.Sequential(Swish()), (5,))
    finally:
        _CUSTOM_RULES.pop(Swish)
    assert not recwarn.list and not result.warnings
    assert (result.rows[0].other_ops, result.rows[0].steps) == (20, ("swish: 4 ops per value",))
    with pytest.raises(TypeError, match="layer_type: expected a Module subclass"):
        register_layer_rule("Swish")


@pytest.mark.parametrize("depth", [0, 1, 2, None])
def test_collapsing_blocks_keeps_the_totals(depth):
    full = summary(ResidualNet(), (3, 32, 32))
    result = summary(ResidualNet(), (3, 32, 32), depth=depth)
    for total in ("total_params", "total_buffers", "total_macs", "total_other_ops"):
        assert getattr(result, total) == getattr(full, total)
    assert sum(row.macs for row in result.rows) == full.total_macs
    assert sum(row.activation_bytes for row in result.rows) == full.activation_bytes
    assert all(depth is None or row.depth <= depth for row in result.rows)


def test_depth_one_shows_blocks_as_single_rows():
    result = summary(ResidualNet(), (3, 32, 32), depth=1)
    block = rows_by_name(result)["block"]
    assert block.layer_type == "Block" and block.steps == ()
    assert (block.params, block.macs) == (576 + 16 + 80, 36_864 + 4_608)
    assert summary(ResidualNet(), (3, 32, 32), depth=0).rows[0].name == "(model)"


def test_a_module_called_twice_has_its_parameters_counted_once():
    linear = nn.Linear(4, 4)
    model = nn.Sequential(linear, nn.ReLU(), linear)
    result = summary(model, (4,))
    assert [row.params for row in result.rows] == [20, 0, 0]
    assert result.rows[2].note == "called again" and result.rows[2].macs == 16
    assert result.total_params == sum(p.numel() for p in model.parameters())


def test_a_module_that_never_runs_is_listed_with_its_parameters():
    model = WithUnusedHead()
    result = summary(model, (4,))
    assert [(row.name, row.note) for row in result.rows] == [
        ("body", ""),
        ("aux.0", "not run"),
        ("aux.1", "not run"),
        ("fc", ""),
    ]
    assert result.total_params == sum(p.numel() for p in model.parameters()) == 40 + 27 + 18


def test_frozen_parameters_are_non_trainable():
    model = ResidualNet()
    model.stem.requires_grad_(False)
    result = summary(model, (3, 32, 32))
    assert (result.trainable_params, result.non_trainable_params) == (1_946 - 1_184, 1_184)
    assert rows_by_name(result)["stem"].non_trainable_params == 1_184
    assert result.trainable_param_bytes == 4 * (1_946 - 1_184)


def test_memory_follows_the_stated_definitions():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU())
    result = summary(model, (3, 2, 2), batch_size=2)
    assert result.param_bytes == 4 * (12 * 5 + 5)
    assert result.input_bytes == 4 * 2 * 12
    assert result.activation_bytes == 4 * (2 * 12 + 2 * 5 + 2 * 5)  # every row's output
    assert result.training_bytes == (
        result.param_bytes + result.input_bytes + 2 * result.activation_bytes + 4 * 65
    )


def test_network_depth_is_the_longest_chain_of_weighted_layers():
    assert summary(ResidualNet(), (3, 32, 32)).network_depth == 4  # stem, conv1, conv2, fc
    assert summary(TwoBranches(), (3, 5, 5)).network_depth == 1


def test_adaptive_pooling_counts_uneven_overlapping_bins():
    assert adaptive_bin_cells(7, 1) == 7
    assert adaptive_bin_cells(5, 3) == 2 + 3 + 2  # bins 0-2, 1-4, 3-5
    row = summary(nn.Sequential(nn.AdaptiveMaxPool2d((3, 1))), (2, 5, 4)).rows[0]
    assert row.other_ops == 2 * 7 * 4 - 2 * 3  # cells covered minus one per output


def test_fold_bn_summarises_the_inference_form_on_a_copy():
    model = ResidualNet()
    result = summary(model, (3, 32, 32), fold_bn=True)
    rows = rows_by_name(result)
    assert (rows["block.bn1"].layer_type, rows["block.bn1"].note) == (
        "Identity",
        "folded into block.conv1",
    )
    assert rows["block.conv1"].params == 3 * 3 * 8 * 8 + 8  # the conv gained a bias
    assert result.total_params == 1_946 - 16 + 8 and result.total_buffers == 0
    assert result.total_macs == 342_608  # folding moves no MACs: BN had none
    assert result.total_other_ops == 9_738 - 2 * 512 + 512  # BN's 2 per value become bias adds
    assert result.fold_bn and result.folding[0].startswith("BN folded: 1 BatchNorm layer(s)")
    assert isinstance(model.block.bn1, nn.BatchNorm2d) and model.training  # the original


def test_fold_bn_reports_a_batchnorm_it_cannot_fold():
    model = nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 2))
    result = summary(model, (4,), fold_bn=True)
    assert result.rows[0].layer_type == "BatchNorm1d"
    assert result.folding[0].endswith(
        "0 BatchNorm layer(s) absorbed into the conv/linear "
        "before them (W' = W·s, b' = (b - μ)·s + β), 1 left in place"
    )
    assert result.folding[1].startswith("BN left in place: 0: ")


def test_pooling_that_also_returns_indices_is_counted_on_its_values():
    model = nn.Sequential(nn.MaxPool2d(2, return_indices=True))
    row = summary(model, (2, 4, 4)).rows[0]
    assert row.output_shapes == ((1, 2, 2, 2),) * 2
    assert row.other_ops == (2 * 2 - 1) * 2 * 2 * 2


def test_summary_leaves_no_hooks_no_graph_and_the_training_mode_as_it_was():
    model = ResidualNet()
    model.block.train(False)
    summary(model, (3, 32, 32))
    assert model.training and model.stem.training and not model.block.bn1.training
    assert not autograd._op_hooks
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
    assert all(p.grad is None for p in model.parameters())


def test_a_failing_forward_removes_the_hooks_and_explains_the_input_size():
    model = ResidualNet()
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\)") as error:
        summary(model, (32, 32, 3))
    assert "input_size is one example without the batch axis" in error.value.__notes__[0]
    assert not autograd._op_hooks
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert model.training


def test_the_global_random_state_is_left_alone():
    model = ResidualNet()
    hb.manual_seed(3)
    expected = hb.randn(4).detach().numpy()
    hb.manual_seed(3)
    summary(model, (3, 32, 32))
    np.testing.assert_array_equal(hb.randn(4).detach().numpy(), expected)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"model": "resnet18"}, TypeError, "model: expected a hubel.nn.Module, got str"),
        ({"input_size": (3, 0, 32)}, ValueError, r"input_size: expected a tuple of positive"),
        ({"input_size": "3x32x32"}, TypeError, r"input_size: expected .* like \(3, 224, 224\)"),
        ({"batch_size": 0}, ValueError, "batch_size: expected a positive int, got 0"),
        ({"depth": -1}, ValueError, "depth: expected a non-negative int, got -1"),
        ({"explain": "yes"}, TypeError, "explain: expected True or False"),
        ({"fold_bn": 1}, TypeError, "fold_bn: expected True or False"),
    ],
)
def test_arguments_are_checked(arguments, error, message):
    arguments = {"model": ResidualNet(), "input_size": (3, 32, 32), **arguments}
    with pytest.raises(error, match=message):
        summary(**arguments)


def test_docstring_examples_run():
    names = ("summary", "summary_compare")
    results = [doctest.testmod(importlib.import_module(f"hubel.analysis.{n}")) for n in names]
    assert sum(result.failed for result in results) == 0
    assert sum(result.attempted for result in results) >= 3
