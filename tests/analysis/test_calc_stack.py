"""The stack calculator: grammar, the implied flatten, the LeNet-5 table."""

from hubel.analysis import calc_stack, format_shape, parse_shape, parse_stack

LENET = "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10"


def test_lenet_rows_match_the_paper():
    result = calc_stack("32x32x1", LENET)
    table = [(row.name, format_shape(row.output_shape), row.params) for row in result.rows]
    assert table == [
        ("conv5x5x6", "28x28x6", 156),
        ("pool2", "14x14x6", 0),
        ("conv5x5x16", "10x10x16", 2_416),
        ("pool2", "5x5x16", 0),
        ("flatten", "400", 0),
        ("fc120", "120", 48_120),
        ("fc84", "84", 10_164),
        ("fc10", "10", 850),
    ]
    assert result.total_params == 61_706
    assert result.total_macs == 117_600 + 240_000 + 48_000 + 10_080 + 840
    assert result.steps[0] == "total params = 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706"


def test_rows_carry_worked_steps():
    first = calc_stack("32x32x1", LENET).rows[0]
    assert first.steps == (
        "H_out = W_out = floor((32 - 5 + 2·0) / 1) + 1 = 28",
        "params = (5·5·1 + 1)·6 = 156",
        "MACs = 5·5·1·6·28·28 = 117,600",
    )


def test_parse_reads_numbers_and_options_in_any_order():
    layers = parse_stack("conv3x5x64p1s2nb, POOL3s2c dw3x3d2 pw16 avgpool7 bn flatten fc10nb")
    assert [(layer.kind, layer.numbers) for layer in layers] == [
        ("conv", (3, 5, 64)),
        ("pool", (3,)),
        ("dw", (3, 3)),
        ("pw", (16,)),
        ("avgpool", (7,)),
        ("bn", ()),
        ("flatten", ()),
        ("fc", (10,)),
    ]
    assert layers[0].options == {"p": 1, "s": 2, "nb": True}
    assert layers[1].options == {"s": 2, "c": True}


def test_vector_input_runs_the_homework_mlp():
    result = calc_stack("3072", "fc1024 fc10")
    assert result.total_params == 3072 * 1024 + 1024 + 1024 * 10 + 10


def test_hw1_flattens_an_image_before_fc():
    result = calc_stack("32x32x3", "fc1024")
    assert [row.name for row in result.rows] == ["flatten", "fc1024"]
    assert result.rows[0].steps == ("features = 32·32·3 = 3,072",)


def test_mobilenet_block_counts():
    result = calc_stack("112x112x32", "dw3x3p1nb bn pw64nb bn")
    assert [row.params for row in result.rows] == [288, 64, 2_048, 128]
    assert result.rows[0].macs == 3_612_672
    assert result.output_shape == (112, 112, 64)


def test_parse_shape_is_height_width_channels():
    assert parse_shape("32x24x3") == (32, 24, 3)
    assert parse_shape(" 224X224X3 ") == (224, 224, 3)
    assert parse_shape("3072") == (3072,)


def test_str_prints_a_table():
    text = str(calc_stack("32x32x1", LENET))
    assert "61,706" in text and "fc120" in text
