"""``hubel lab``: the course's phenomena as runnable experiments.

    hubel lab list                                    every experiment and its lesson
    hubel lab run NAME [--quick|--full] [--out DIR] [--seed S]

``run`` prints the key numbers, then writes NAME.json (the data) and NAME.png (the figure) into
DIR (default runs/lab). Everything is :mod:`hubel.lab`: this file parses, calls it and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import plot_extra_missing

DEFAULT_OUT = "runs/lab"


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def run_list(args: argparse.Namespace) -> int:
    from ..analysis.tables import make_console, make_table
    from ..lab import get_experiment, list_experiments

    table = make_table(title="hubel lab")
    table.add_column("name", no_wrap=True)
    table.add_column("lesson")
    for name in list_experiments():
        table.add_row(name, get_experiment(name).lesson)
    make_console(min_width=140).print(table)  # piped or captured: keep each row on one line
    return 0


def run_lab(args: argparse.Namespace) -> int:
    from ..analysis.tables import make_console, make_table
    from ..lab import get_experiment, run_experiment, save_result
    from ..outputs import check_output_folder

    get_experiment(args.name)  # an unknown name, or a bad --out, fails before the work
    out = check_output_folder(args.out or DEFAULT_OUT, "--out", create_parents=not args.out)
    result = run_experiment(args.name, quick=not args.full, seed=args.seed)
    mode = "full" if args.full else "quick"
    table = make_table(
        title=f"{args.name} ({mode}, seed {args.seed}, {result.seconds:.1f}s)",
        caption=result.experiment.lesson,
    )
    table.add_column("quantity")
    table.add_column("value", justify="right", no_wrap=True)
    for label, value in result.numbers.items():
        table.add_row(label, _format(value))
    make_console(min_width=140).print(table)
    try:
        paths = save_result(result, out)
    except ImportError as missing:  # the JSON is written first; the figure needs matplotlib
        print(f"wrote {Path(out) / (args.name + '.json')}")
        figure = Path(out) / f"{args.name}.png"
        print(f"warning: could not draw {figure}: {plot_extra_missing(missing)}", file=sys.stderr)
        return 0
    for path in paths:
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
        "--out",
        metavar="DIR",
        help=f"folder for NAME.json and NAME.png (default {DEFAULT_OUT}); its parent must exist",
    )
    run.add_argument("--seed", type=int, default=0, help="same seed, same numbers (default 0)")
    run.set_defaults(func=run_lab)
    return parser
