"""The ``hubel`` command describes itself: --version, an epilog naming every command, help
text on every option of every subcommand, and no internal names in its messages."""

import argparse
import tomllib
from pathlib import Path

import pytest
from cli_process import run_hubel

from hubel.cli.main import build_parser, main

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def _parsers(parser: argparse.ArgumentParser, path: str = "hubel"):
    """``(command path, parser)`` for the command and every subcommand below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _parsers(subparser, f"{path} {name}")


def test_version_is_the_one_in_pyproject():
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    result = run_hubel("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"hubel {version}"


def test_every_option_of_every_subcommand_has_help_text():
    missing = [
        f"{path}: {'/'.join(action.option_strings) or action.dest}"
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert not missing, missing


def test_top_level_help_names_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    epilog = capsys.readouterr().out.split("hubel train [options]")[1]
    commands = {path.split()[1] for path, _ in _parsers(build_parser()) if path.count(" ") == 1}
    assert {"models", "lab", "calc", "quiz", "fold"} <= commands
    for command in commands:
        assert f"hubel {command}" in epilog or command == "train", command
    assert "C x H x W" in epilog and "HUBEL_DEBUG=1" in epilog


@pytest.mark.parametrize(
    "argv, expected",
    [(["calc"], "{conv,pool,linear,depthwise,stack}"), (["lab"], "{list,run}"), ([], "COMMAND")],
)
def test_a_missing_subcommand_lists_the_choices_not_an_internal_name(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and f"required: {expected}" in err
    assert "_command" not in err


def test_every_input_option_says_channels_first():
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if "--input" in action.option_strings:
                assert "C x H x W" in action.help, path
