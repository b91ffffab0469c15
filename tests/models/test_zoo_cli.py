"""``hubel models``: the zoo's table."""

from zoo_helpers import PARAMETER_COUNTS

from hubel.cli.main import main


def test_hubel_models_prints_every_model_with_its_count_year_and_idea(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name, params in PARAMETER_COUNTS.items():
        line = next(line for line in out.splitlines() if f" {name} " in line)
        assert f"{params:,}" in line, name
    for phrase in (
        "3x3 filters only",
        "skip connections",
        "depthwise separable convolutions",
        "1x1 reductions",
        "3x224x224",
        "3x32x32",
        "1998",
        "2017",
    ):
        assert phrase in out, phrase


def test_hubel_models_filters_by_family(capsys):
    assert main(["models", "--family", "resnet"]) == 0
    out = capsys.readouterr().out
    assert "resnet152" in out and "resnet20" in out and "vgg16" not in out


def test_hubel_models_names_the_families_when_one_is_unknown(capsys):
    assert main(["models", "--family", "transformer"]) == 2
    err = capsys.readouterr().err
    assert "--family: expected one of" in err and "'VGG'" in err and "'transformer'" in err
