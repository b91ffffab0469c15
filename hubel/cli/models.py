"""``hubel models``: the model zoo as a table (name, family, input size, parameters, year, idea).

    hubel models                     every registered architecture
    hubel models --family ResNet     only one family

The numbers come from :mod:`hubel.models`: this file asks the registry and prints.
"""

from __future__ import annotations

import argparse
import re
import sys


def _input_size(size: tuple) -> str:
    return "x".join(str(s) for s in size)


def _order(info) -> tuple:
    """By year, family, then ImageNet before CIFAR sizes, then numbers in names by value."""
    natural = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", info.name)]
    return info.year or 0, info.family, -info.input_size[-1], natural


def run_models(args: argparse.Namespace) -> int:
    from ..analysis.tables import make_console, make_table
    from ..models import list_models, model_info, parameter_count

    infos = [model_info(name) for name in list_models()]
    if args.family:
        wanted = args.family.lower()
        infos = [info for info in infos if info.family.lower() == wanted]
        if not infos:
            families = sorted({model_info(name).family for name in list_models()})
            print(
                f"error: --family: expected one of {families}, got {args.family!r}", file=sys.stderr
            )
            return 2
    console = make_console(min_width=160)  # piped or captured: keep each model on one line
    table = make_table(title="hubel model zoo", caption="input: C x H x W")
    for column, justify in (
        ("name", "left"),
        ("family", "left"),
        ("input", "right"),
        ("params", "right"),
        ("year", "right"),
        ("idea", "left"),
    ):
        table.add_column(column, justify=justify, no_wrap=column != "idea")
    for info in sorted(infos, key=_order):
        params = f"{parameter_count(info.name):,}"
        size = _input_size(info.input_size)
        table.add_row(info.name, info.family, size, params, str(info.year or ""), info.idea)
    console.print(table)
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``models`` to the ``hubel`` command's subparsers."""
    parser = subparsers.add_parser(
        "models",
        help="the model zoo: name, family, input size, parameters, year, idea",
        description="List the registered architectures; build one with "
        "hubel.models.get_model(name) or train it with `hubel train --model NAME`.",
    )
    parser.add_argument(
        "--family", help="only this family, e.g. ResNet or VGG (case does not matter)"
    )
    parser.set_defaults(func=run_models)
    return parser
