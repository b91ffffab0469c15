"""`hubel calc`: each calculator prints the library's answers and worked steps."""

import argparse
import shlex

import pytest

from hubel.cli.calc import main, register


def run(capsys, command_line):
    """Run ``hubel calc <command_line>``, split as a shell would; return (code, out, err)."""
    code = main(["calc", *shlex.split(command_line)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_conv_prints_shape_params_macs_and_steps(capsys):
    command = "conv --input 3x224x224 --kernel 7 --stride 2 --padding 3 --filters 64 --no-bias"
    code, out, _ = run(capsys, command)
    assert code == 0
    assert "3x224x224" in out and "64x112x112" in out and "shapes: C x H x W" in out
    assert (
        "H_out = W_out = floor((224 - 7 + 2·3) / 2) + 1 = 112 (not exact: 111.5 → floor 111)" in out
    )
    assert "params = 7·7·3·64 = 9,408" in out
    assert "MACs = 7·7·3·64·112·112 = 118,013,952" in out


def test_conv_with_groups_and_non_square_kernel(capsys):
    command = "conv --input 32x112x112 --kernel 3 --padding 1 --filters 32 --groups 32"
    code, out, _ = run(capsys, command)
    assert code == 0
    assert "MACs = 3·3·(32/32)·32·112·112 = 3,612,672" in out
    code, out, _ = run(capsys, "conv --input 8x17x17 --kernel 1x7 --filters 4")
    assert "4x17x11" in out


def test_pool_ceil_mode(capsys):
    code, out, _ = run(capsys, "pool --input 64x112x112 --kernel 3 --stride 2 --ceil-mode")
    assert code == 0
    assert "W_out = ceil((112 - 3 + 2·0) / 2) + 1 = 56" in out
    assert "64x56x56" in out


def test_linear(capsys):
    code, out, _ = run(capsys, "linear --in 3072 --out 1024")
    assert code == 0
    assert "params = 3,072·1,024 + 1,024 = 3,146,752" in out
    assert "MACs = 3,072·1,024 = 3,145,728" in out


def test_depthwise_prints_the_ratio(capsys):
    code, out, _ = run(capsys, "depthwise --input 64x32x32 --kernel 3 --filters 128")
    assert code == 0
    for number in ("75,497,472", "589,824", "8,388,608", "8,978,432"):
        assert number in out
    assert "= 0.1189 = 1/N + 1/D_K² = 1/128 + 1/9" in out


def test_stack_prints_the_lenet_table(capsys):
    spec = "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10"
    code, out, _ = run(capsys, f"stack --input 1x32x32 '{spec}'")
    assert code == 0
    for number in ("156", "2,416", "48,120", "10,164", "850", "61,706", "416,520"):
        assert number in out
    assert "features = 5·5·16 = 400" in out


def test_stack_accepts_unquoted_layers(capsys):
    code, out, _ = run(capsys, "stack --input 3072 fc1024 fc10")
    assert code == 0
    assert "3,157,002" in out


def test_library_error_is_printed_with_exit_code_2(capsys):
    code, out, err = run(capsys, "conv --input 1x3x3 --kernel 5 --filters 6")
    assert code == 2
    assert "input width 3 gives output width (3 - 5 + 0)/1 + 1 = -1 < 1" in err
    code, _, err = run(capsys, 'stack --input 1x32x32 "conv5x5x6 tanh"')
    assert code == 2 and "'tanh'" in err and "relu" in err
    code, _, err = run(capsys, "linear --in 0 --out 3")
    assert code == 2 and "in_features" in err and "got 0" in err


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["conv", "--input", "32x32", "--kernel", "3", "--filters", "6"], ["--input", "'32x32'"]),
        (["conv", "--input", "3x32x32", "--kernel", "3x", "--filters", "6"], ["--kernel", "'3x'"]),
        (["pool", "--input", "1x8x8"], ["--kernel"]),
        ([], ["required: {conv,pool,linear,depthwise,stack}"]),
    ],
)
def test_bad_arguments_exit_with_usage(capsys, argv, fragments):
    with pytest.raises(SystemExit) as exit_info:
        main(["calc", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err


def test_register_plugs_into_another_parser():
    parser = argparse.ArgumentParser(prog="hubel")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["calc", "linear", "--in", "4", "--out", "2"])
    assert callable(args.func) and (args.in_features, args.out_features) == (4, 2)


def test_channels_last_reads_and_prints_height_width_channels(capsys):
    command = (
        "conv --input 224x224x3 --channels-last --kernel 7 --stride 2 --padding 3 --filters 64"
    )
    code, out, _ = run(capsys, command)
    assert code == 0
    assert "224x224x3" in out and "112x112x64" in out and "shapes: H x W x C" in out
    assert "params = (7·7·3 + 1)·64 = 9,472" in out


def test_channels_first_and_last_give_the_same_numbers(capsys):
    _, first, _ = run(capsys, "stack --input 3x32x32 conv3x3x16p1 pool2 fc10")
    _, last, _ = run(capsys, "stack --input 32x32x3 --channels-last conv3x3x16p1 pool2 fc10")
    assert "16x16x16" in first and "40,970" in first and "40,970" in last
    assert first.count("3x32x32") == 1 and last.count("32x32x3") == 1


def test_stack_takes_relu_as_a_layer_without_parameters(capsys):
    spec = "conv5x5x6 relu pool2 conv5x5x16 relu pool2 fc120 relu fc84 relu fc10"
    code, out, _ = run(capsys, f"stack --input 1x32x32 '{spec}'")
    assert code == 0
    assert "61,706" in out and "params = 0, MACs = 0 (max(0, x) per value)" in out


def test_stack_help_lists_the_layer_grammar(capsys):
    with pytest.raises(SystemExit):
        main(["calc", "stack", "--help"])
    out = capsys.readouterr().out
    for layer in ("conv{F}x{F}x{K}  ", "pool{F}  ", "relu  ", "fc{N}  ", "Options: s{S} stride"):
        assert layer in out
    assert "``" not in out


def test_an_input_written_height_width_channels_gets_a_note(capsys):
    code, _, err = run(capsys, "conv --input 224x224x3 --kernel 7 --padding 3 --filters 64")
    assert code == 0
    assert "note: --input 224x224x3 is read as C x H x W (C=224, H=224, W=3)" in err
    assert "add --channels-last" in err
    _, _, err = run(capsys, "conv --input 3x224x224 --kernel 7 --filters 64")
    assert err == ""
