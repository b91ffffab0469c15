import json
import subprocess
import sys

import pytest

import hubel as hb
from hubel.cli import main as cli
from hubel.lab import registry

NAMES = [
    "activations",
    "linear-collapse",
    "zero-init",
    "init-scale",
    "vanishing-gradients",
    "exploding-gradients",
    "optimizers",
    "overfitting",
    "batchnorm",
    "residual",
    "depthwise",
    "filters",
]


def test_every_experiment_is_registered_in_the_order_of_the_course():
    assert hb.lab.list_experiments() == NAMES
    for name in NAMES:
        experiment = hb.lab.get_experiment(name)
        assert experiment.name == name and experiment.lesson.endswith(".")


def test_unknown_experiment_names_the_valid_ones():
    with pytest.raises(ValueError, match="expected one of activations, linear-collapse.*got 'x'"):
        hb.lab.get_experiment("x")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"seed": -1}, ValueError), ({"seed": 1.5}, ValueError), ({"quick": "yes"}, TypeError)],
)
def test_run_experiment_checks_its_arguments(kwargs, error):
    with pytest.raises(error):
        hb.lab.run_experiment("activations", **kwargs)


def test_registering_a_name_twice_is_refused():
    experiment = hb.lab.get_experiment("activations")
    with pytest.raises(ValueError, match="already registered"):
        registry.register_experiment(
            "activations", "", experiment.run, experiment.key_numbers, experiment.render
        )


def test_lab_is_a_command_of_hubel():
    assert cli.lab in cli.COMMANDS


def test_lab_list_prints_every_experiment(capsys):
    assert cli.main(["lab", "list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out


def test_lab_run_prints_key_numbers_and_writes_json_and_png(tmp_path, capsys):
    assert cli.main(["lab", "run", "activations", "--out", str(tmp_path), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "sigmoid: max derivative" in out and "activations (quick, seed 3" in out
    text = (tmp_path / "activations.json").read_text()
    record = json.loads(text, parse_constant=pytest.fail)  # strict JSON: no NaN or Infinity
    assert record["experiment"] == "activations" and record["quick"] is True
    assert record["seed"] == 3 and record["key_numbers"][
        "sigmoid: max derivative"
    ] == pytest.approx(0.25, abs=1e-4)
    assert set(record["data"]) == {"x", "functions"}
    assert (tmp_path / "activations.png").read_bytes()[:4] == b"\x89PNG"


def test_lab_run_unknown_name_fails_with_the_valid_names(capsys):
    assert cli.main(["lab", "run", "nonsense"]) == 2
    assert "expected one of activations" in capsys.readouterr().err


def test_quick_and_full_cannot_be_combined():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["lab", "run", "activations", "--quick", "--full"])
    assert cli.build_parser().parse_args(["lab", "run", "filters", "--full"]).full is True
    assert cli.build_parser().parse_args(["lab", "run", "filters"]).full is False


def test_importing_the_lab_loads_neither_matplotlib_nor_torch():
    code = (
        "import sys, hubel.lab; "
        "print(any(m.split('.')[0] in ('matplotlib', 'torch') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
