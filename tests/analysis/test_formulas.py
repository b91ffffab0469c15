"""The course's formulas on hand-worked examples: values and the worked steps a student writes."""

import ast
import doctest
import math
import sys
from pathlib import Path

import pytest

import hubel.analysis as analysis
from hubel.analysis import (
    batchnorm_params,
    check_output_size,
    conv_macs,
    conv_output_size,
    conv_params,
    depthwise_separable_cost,
    linear_macs,
    linear_params,
    pool_output_size,
    receptive_field,
)


def test_resnet_conv1_output_size_floors_the_half():
    answer = conv_output_size(224, 7, stride=2, padding=3)
    assert answer.value == 112
    assert answer.steps == (
        "W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112 (not exact: 111.5 → floor 111)",
    )
    assert answer.formula == "W_out = floor((W_in - F + 2P) / S) + 1"


def test_alexnet_conv1_on_224_is_55_after_flooring():
    answer = conv_output_size(224, 11, stride=4, padding=2)
    assert answer.value == 55
    assert "(not exact: 54.25 → floor 54)" in answer.steps[0]


def test_exact_division_is_not_flagged():
    answer = conv_output_size(227, 11, stride=4)
    assert answer.value == 55
    assert answer.steps == ("W_out = floor((227 - 11 + 2·0) / 4) + 1 = 55",)


def test_lenet_conv1_keeps_course_notation():
    assert str(conv_output_size(32, 5)) == "W_out = floor((32 - 5 + 2·0) / 1) + 1 = 28"


def test_dilation_uses_the_effective_kernel():
    answer = conv_output_size(32, 3, dilation=2)
    assert answer.value == 28
    assert answer.steps[0] == "F_eff = D·(F - 1) + 1 = 2·(3 - 1) + 1 = 5"
    assert answer.steps[1] == "W_out = floor((32 - 5 + 2·0) / 1) + 1 = 28"
    assert "F_eff" in answer.formula


def test_asymmetric_padding_adds_left_and_right():
    answer = conv_output_size(10, 3, stride=2, padding=(0, 1))
    assert answer.value == 5
    assert answer.steps == ("W_out = floor((10 - 3 + 0 + 1) / 2) + 1 = 5",)
    assert "P_left + P_right" in answer.formula


def test_same_padding_puts_the_odd_one_on_the_right_like_pytorch():
    answer = conv_output_size((32, 31), (4, 3), padding="same")
    assert answer.value == (32, 31)
    assert answer.steps[0] == "H_out = floor((32 - 4 + 1 + 2) / 1) + 1 = 32"
    assert conv_output_size(9, 5, padding="valid").value == 5


def test_two_dimensions_square_share_one_line():
    answer = conv_output_size((224, 224), 7, stride=2, padding=3)
    assert answer.value == (112, 112)
    assert answer.steps[0].startswith("H_out = W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112")


def test_two_dimensions_non_square_work_each_dimension():
    answer = conv_output_size(
        (224, 200), (7, 5), stride=(2, 1), padding=((3, 2), 1), dilation=(1, 2)
    )
    # H: (224 - 7 + 3 + 2) / 2 + 1 = 112;  W: F_eff = 2·4 + 1 = 9, (200 - 9 + 2) / 1 + 1 = 194
    assert answer.value == (112, 194)
    assert answer.steps == (
        "H_out = floor((224 - 7 + 3 + 2) / 2) + 1 = 112",
        "F_eff(W) = D·(F - 1) + 1 = 2·(5 - 1) + 1 = 9",
        "W_out = floor((200 - 9 + 2·1) / 1) + 1 = 194",
    )


def test_ceil_mode_rounds_up():
    # GoogLeNet's MaxPool2d(3, stride=2, ceil_mode=True) on 112
    answer = pool_output_size(112, 3, stride=2, ceil_mode=True)
    assert answer.value == 56
    assert answer.steps == (
        "W_out = ceil((112 - 3 + 2·0) / 2) + 1 = 56 (not exact: 54.5 → ceil 55)",
    )


def test_ceil_mode_drops_a_last_window_that_starts_in_the_right_padding():
    answer = pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    assert answer.value == 3  # ceil gives 4, but window 4 would start at 6 >= 5 + 1
    assert answer.steps[0] == "W_out = ceil((5 - 2 + 2·1) / 2) + 1 = 4 (not exact: 2.5 → ceil 3)"
    assert "start at (4 - 1)·2 = 6 ≥ 5 + 1" in answer.steps[1]
    assert answer.steps[1].endswith("W_out = 3")


def test_pool_stride_defaults_to_kernel():
    assert pool_output_size(28, 2).value == 14
    assert pool_output_size((28, 28), 2).value == (14, 14)


def test_input_too_small_shows_the_formula_with_numbers():
    message = (
        "Conv2d(kernel_size=5, stride=1, padding=0): "
        "input width 3 gives output width (3 - 5 + 0)/1 + 1 = -1 < 1"
    )
    with pytest.raises(ValueError) as error:
        conv_output_size(3, 5)
    assert str(error.value) == message
    with pytest.raises(ValueError) as error:
        check_output_size("Conv2d", (3, 3), 5)
    assert str(error.value).startswith(message + "; input height 3 gives output height")


def test_too_small_names_dilation_and_floor():
    with pytest.raises(ValueError) as error:
        check_output_size("MaxPool2d", (8, 2), 3, stride=2, dilation=2)
    text = str(error.value)
    assert text.startswith("MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=2): ")
    assert "input width 2 gives output width floor((2 - 5 + 0)/2) + 1 = -1 < 1" in text
    assert "(dilated kernel 2·(3 - 1) + 1 = 5)" in text
    assert "height" not in text  # the height 8 fits


def test_check_output_size_returns_the_value():
    assert check_output_size("Conv2d", (32, 30), 5, padding=2) == (32, 30)


def test_resnet_conv1_params_and_macs():
    assert conv_params(3, 64, 7, bias=False).value == 9_408
    with_bias = conv_params(3, 64, 7)
    assert with_bias.value == 9_472
    assert with_bias.steps == ("params = (7·7·3 + 1)·64 = 9,472",)
    macs = conv_macs(3, 64, 7, 112)
    assert macs.value == 118_013_952
    assert macs.steps == ("MACs = 7·7·3·64·112·112 = 118,013,952",)


def test_mobilenet_first_depthwise_divides_by_groups():
    grouped = conv_macs(32, 32, 3, (112, 112), groups=32)
    assert grouped.value == 3 * 3 * 1 * 32 * 112 * 112 == 3_612_672
    assert grouped.steps == ("MACs = 3·3·(32/32)·32·112·112 = 3,612,672",)
    assert conv_macs(32, 32, 3, 112).value == 32 * grouped.value  # the forgotten /groups
    assert conv_params(32, 32, 3, groups=32).value == (3 * 3 + 1) * 32


def test_grouped_conv_params_like_alexnet_conv2():
    # AlexNet's conv2 ran on two GPUs: 5x5, 96 → 256 channels in 2 groups
    assert conv_params(96, 256, 5, groups=2).value == (5 * 5 * 48 + 1) * 256


def test_non_square_kernel_params_and_macs():
    assert conv_params(64, 64, (1, 7)).value == (7 * 64 + 1) * 64
    assert conv_macs(64, 64, (1, 7), (17, 17)).value == 7 * 64 * 64 * 17 * 17


def test_linear_params_and_macs_with_separators():
    params = linear_params(3072, 1024)
    assert params.value == 3_146_752
    assert params.steps == ("params = 3,072·1,024 + 1,024 = 3,146,752",)
    assert linear_params(3072, 1024, bias=False).value == 3_145_728
    assert linear_macs(3072, 1024).steps == ("MACs = 3,072·1,024 = 3,145,728",)


def test_batchnorm_counts_trainable_and_buffers():
    counts = batchnorm_params(64)
    assert (counts.trainable, counts.buffers) == (128, 129)
    assert counts.steps[0].startswith("trainable = 2·64 = 128")
    assert counts.steps[1].startswith("buffers = 2·64 + 1 = 129")
    assert batchnorm_params(64, affine=False).trainable == 0
    assert batchnorm_params(64, track_running_stats=False).buffers == 0


def test_depthwise_separable_matches_mobilenet_ratio():
    cost = depthwise_separable_cost("32x32x64", 128, 3)
    assert cost.standard.macs == 3 * 3 * 64 * 128 * 32 * 32
    assert cost.depthwise.macs == 3 * 3 * 64 * 32 * 32
    assert cost.pointwise.macs == 64 * 128 * 32 * 32
    assert cost.separable_macs == 8_978_432
    assert math.isclose(cost.ratio, 1 / 128 + 1 / 9)
    assert cost.separable_params == 3 * 3 * 64 + 64 * 128
    assert "ratio = separable / standard = 8,978,432 / 75,497,472 = 0.1189" in cost.steps[-1]


def test_depthwise_separable_with_stride_and_non_square_kernel():
    cost = depthwise_separable_cost((112, 112, 32), 64, (3, 5), stride=2)
    assert cost.standard.output_shape == (56, 56, 64)
    assert math.isclose(cost.ratio, 1 / 64 + 1 / 15)


@pytest.mark.parametrize(
    "layers, field, jump",
    [
        ([3, 3], 5, 1),  # two 3x3 see what one 5x5 sees
        ([3, 3, 3], 7, 1),  # three see a 7x7 (VGG)
        ([(7, 2), (3, 2)], 11, 4),  # ResNet stem: conv 7x7 s2, max pool 3x3 s2
        ([(3, 1, 2), (3, 1, 4)], 13, 1),  # dilated: 1 + 2·2 + 2·4
        ([{"kernel_size": 2, "stride": 2}, {"kernel_size": 3}], 6, 2),
    ],
)
def test_receptive_field(layers, field, jump):
    result = receptive_field(layers)
    assert (result.value, result.jump) == (field, jump)
    assert result.per_layer[-1] == (field, jump)


def test_receptive_field_steps():
    result = receptive_field([(7, 2), (3, 2, 2)])
    assert result.steps == (
        "start: r = 1, j = 1",
        "layer 1 (k=7, s=2): r = 1 + (7 - 1)·1 = 7, j = 1·2 = 2",
        "layer 2 (k=3, s=2, d=2): r = 7 + (3 - 1)·2·2 = 15, j = 2·2 = 4",
    )


def test_numbers_grow_thousands_separators():
    assert conv_macs(256, 512, 3, 28).steps[0].endswith("= 924,844,032")


def test_docstring_examples_run():
    modules = [analysis.answer, analysis.formulas, analysis.layers, analysis.output_size]
    modules += [analysis.separable, analysis.shapes, analysis.stack]
    results = [doctest.testmod(module) for module in modules]
    assert sum(result.failed for result in results) == 0
    assert sum(result.attempted for result in results) >= 10


FORMULA_MODULES = ["answer", "validate", "output_size", "formulas", "layers", "separable"]
FORMULA_MODULES += ["shapes", "stack"]


def _imported_names(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module


def test_formulas_import_only_the_standard_library():
    """Pure Python: no NumPy, and never torch (it is the tests' oracle only). The formulas
    stand on ``hubel.geometry``, which is pure Python too (its one hubel import: the error
    classes, themselves standard library only)."""
    root = Path(analysis.__file__).parent
    for module in FORMULA_MODULES:
        for name in _imported_names(root / f"{module}.py"):
            assert name.split(".")[0] in sys.stdlib_module_names or name.startswith(
                ("hubel.analysis", "hubel.geometry")
            ), f"{module}.py imports {name}"
    for bottom in ("geometry.py", "errors.py"):
        for name in _imported_names(root.parent / bottom):
            assert name in sys.stdlib_module_names or name == "errors", f"{bottom} imports {name}"
    cli = root.parent / "cli" / "calc.py"
    assert not [name for name in _imported_names(cli) if name.split(".")[0] in ("torch", "numpy")]
