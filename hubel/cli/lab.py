"""``hubel lab``: the course's phenomena as runnable experiments.

    hubel lab list                                    every experiment and its lesson
    hubel lab run NAME [--quick|--full] [--out DIR] [--seed S]

``run`` prints the key numbers, then writes NAME.json (the data) and NAME.png (the figure) into
DIR (default runs/lab). Everything is :mod:`hubel.lab`: this file parses, calls it and prints.
"""

from __future__ import annotations

import argparse


def _console():
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # piped or captured: keep each row on one line
        console.width = max(console.width, 140)
    return console


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def run_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from ..lab import get_experiment, list_experiments

    table = Table(title="hubel lab")
    table.add_column("name", no_wrap=True)
    table.add_column("lesson")
    for name in list_experiments():
        table.add_row(name, get_experiment(name).lesson)
    _console().print(table)
    return 0


def run_lab(args: argparse.Namespace) -> int:
    from rich.table import Table

    from ..lab import run_experiment, save_result

    result = run_experiment(args.name, quick=not args.full, seed=args.seed)
    mode = "full" if args.full else "quick"
    table = Table(
        title=f"{args.name} ({mode}, seed {args.seed}, {result.seconds:.1f}s)",
        caption=result.experiment.lesson,
    )
    table.add_column("quantity")
    table.add_column("value", justify="right", no_wrap=True)
    for label, value in result.numbers.items():
        table.add_row(label, _format(value))
    _console().print(table)
    for path in save_result(result, args.out):
        print(f"wrote {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``lab`` (with ``list`` and ``run``) to the ``hubel`` command's subparsers."""
    parser = subparsers.add_parser(
        "lab",
        help="experiments that show the course's claims with numbers and a figure",
        description="Seeded experiments for the course's claims: list them, or run one.",
    )
    commands = parser.add_subparsers(dest="lab_command", required=True, metavar="{list,run}")
    listing = commands.add_parser("list", help="every experiment and its one-sentence lesson")
    listing.set_defaults(func=run_list)
    run = commands.add_parser("run", help="run one experiment: key numbers, figure and data")
    run.add_argument("name", help="an experiment from `hubel lab list`")
    size = run.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        dest="full",
        action="store_false",
        default=False,
        help="the small version, under a minute on 2 cores (default)",
    )
    size.add_argument("--full", dest="full", action="store_true", help="the bigger version")
    run.add_argument(
        "--out", default="runs/lab", help="folder for NAME.json and NAME.png (default runs/lab)"
    )
    run.add_argument("--seed", type=int, default=0, help="same seed, same numbers (default 0)")
    run.set_defaults(func=run_lab)
    return parser
