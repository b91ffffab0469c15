"""Bad arguments: each error names the argument, what was expected, and the value given."""

import pytest

from hubel.analysis import (
    batchnorm_params,
    calc_stack,
    conv2d_cost,
    conv_macs,
    conv_output_size,
    conv_params,
    depthwise_separable_cost,
    linear_params,
    parse_shape,
    parse_size,
    pool_output_size,
    receptive_field,
)

CASES = [
    (lambda: conv_output_size(0, 3), ValueError, ["size", "positive int", "0"]),
    (lambda: conv_output_size(32, 0), ValueError, ["kernel_size", "positive int", "0"]),
    (lambda: conv_output_size(32, 3.0), TypeError, ["kernel_size", "3.0"]),
    (lambda: conv_output_size(32, True), TypeError, ["kernel_size", "True"]),
    (lambda: conv_output_size(32, 3, stride=0), ValueError, ["stride", "0"]),
    (lambda: conv_output_size(32, 3, padding=-1), ValueError, ["padding", "non-negative", "-1"]),
    (lambda: conv_output_size(32, 3, padding=(1, 2, 3)), TypeError, ["padding", "(1, 2, 3)"]),
    (lambda: conv_output_size(32, 3, dilation=0), ValueError, ["dilation", "0"]),
    (lambda: conv_output_size(32, (3, 5)), TypeError, ["kernel_size", "(3, 5)", "size=32"]),
    (lambda: conv_output_size((32, 32), (3, 0)), ValueError, ["kernel_size", "(3, 0)"]),
    (lambda: conv_output_size((32, 32, 3), 3), TypeError, ["size", "(32, 32, 3)"]),
    (lambda: conv_output_size(32, 3, ceil_mode="yes"), TypeError, ["ceil_mode", "'yes'"]),
    (lambda: pool_output_size(32, 2, padding=2), ValueError, ["padding", "kernel_size // 2", "2"]),
    (lambda: pool_output_size(32, 2, padding="same"), TypeError, ["padding", "'same'"]),
    (lambda: conv_output_size(32, 3, 2, "same"), ValueError, ["padding", "stride=2"]),
    (lambda: conv_output_size(32, 3, padding="full"), ValueError, ["padding", "'full'"]),
    (lambda: conv_output_size(32, 3, layer_name=None), TypeError, ["layer_name", "None"]),
    (lambda: conv_params(3, 64, 3, groups=2), ValueError, ["groups", "in_channels=3", "groups=2"]),
    (lambda: conv_params(32, 30, 3, groups=4), ValueError, ["groups", "out_channels=30"]),
    (lambda: conv_params(0, 64, 3), ValueError, ["in_channels", "0"]),
    (lambda: conv_params(3, 64, 3, bias=1), TypeError, ["bias", "1"]),
    (lambda: conv_macs(3, 64, 3, 0), ValueError, ["output_size", "0"]),
    (lambda: linear_params(-5, 3), ValueError, ["in_features", "-5"]),
    (lambda: batchnorm_params(0), ValueError, ["num_features", "0"]),
    (lambda: receptive_field([]), ValueError, ["layers", "none"]),
    (lambda: receptive_field([3, (3, 0)]), ValueError, ["layers[1] stride", "0"]),
    (lambda: receptive_field(["3x3"]), TypeError, ["layers[0]", "'3x3'"]),
    (lambda: receptive_field([{"kernel": 3}]), ValueError, ["layers[0]", "kernel_size"]),
    (lambda: parse_shape("32x32"), ValueError, ["input", "HxWxC", "'32x32'"]),
    (lambda: parse_shape("32x0x3"), ValueError, ["input", "(32, 0, 3)"]),
    (lambda: parse_size("3x"), ValueError, ["kernel_size", "'3x'"]),
    (lambda: conv2d_cost("3072", 8, 3), ValueError, ["input_shape", "vector of 3072"]),
    (lambda: depthwise_separable_cost("8x8x4", 0, 3), ValueError, ["out_channels", "0"]),
    (lambda: calc_stack("32x32", "fc10"), ValueError, ["input", "'32x32'"]),
    (lambda: calc_stack("32x32x1", ""), ValueError, ["spec", "at least one layer"]),
    (lambda: calc_stack("32x32x1", "conv5x5 fc10"), ValueError, ["'conv5x5'"]),
    (lambda: calc_stack("32x32x1", "swish"), ValueError, ["unknown layer", "'swish'", "relu"]),
    (lambda: calc_stack("32x32x1", "pool2q"), ValueError, ["'q'", "'pool2q'"]),
    (lambda: calc_stack("32x32x1", "fc10c"), ValueError, ["fc takes options nb", "'c'"]),
    (lambda: calc_stack("32x32x1", "pool2s2s2"), ValueError, ["'s' given twice"]),
    (lambda: calc_stack("8x8x1", "fc10 pool2"), ValueError, ["layer 2 'pool2'", "vector of 10"]),
    (lambda: calc_stack("8x8x3", "conv3x3x8g2"), ValueError, ["layer 1 'conv3x3x8g2'", "groups"]),
]


@pytest.mark.parametrize("call, error_type, fragments", CASES)
def test_error_names_argument_and_value(call, error_type, fragments):
    with pytest.raises(error_type) as error:
        call()
    for fragment in fragments:
        assert fragment in str(error.value)


def test_stack_error_names_the_layer_and_shows_the_formula():
    with pytest.raises(ValueError) as error:
        calc_stack("12x12x1", "conv5x5x6 pool2 conv5x5x16")
    assert str(error.value) == (
        "layer 3 'conv5x5x16': Conv2d(kernel_size=5, stride=1, padding=0): "
        "input width 4 gives output width (4 - 5 + 0)/1 + 1 = 0 < 1; "
        "input height 4 gives output height (4 - 5 + 0)/1 + 1 = 0 < 1"
    )
