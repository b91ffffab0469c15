"""The ``hubel`` command: one subcommand per module of ``hubel.cli``, each a thin layer that
parses, calls the library and prints.

    hubel train [options]           train a model (default: the MLP on the bundled digits)
    hubel evaluate RUN_DIR          recompute a run's test metrics from its saved weights
    hubel calc conv|pool|...        the course's calculators with worked steps
    hubel models                    the model zoo: family, input size, parameters, year, idea
    hubel lab list | run NAME       experiments that show the course's claims
    hubel summary MODEL             every layer: shapes, parameters, MACs, memory
    hubel compare MODEL MODEL ...   models side by side, and a bar chart
    hubel quiz [options]            practice questions, answers checked, worked solutions
    hubel fold RUN_DIR -o OUT       fold BatchNorm into the conv/linear before it, worked numbers
    hubel graph MODEL --out G.svg   the autograd graph drawn, collapsed by module --depth
    hubel playground [--port P]     a local web app: train an MLP or a CNN and see inside

Shapes are written as PyTorch orders them, channels first: --input 3x224x224 is C x H x W.
`hubel COMMAND --help` describes each command; HUBEL_DEBUG=1 shows Python tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from . import calc, fold, graph, lab, models, playground, quiz, run_command, summary, train

COMMANDS = (train, calc, models, lab, quiz, summary, fold, graph, playground)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hubel",
        description="hubel: deep learning from first principles, proven against PyTorch.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument("--version", action="version", version=f"hubel {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hubel ARGV...`` and return its exit code (0 done, 2 bad input, 130 Ctrl-C)."""
    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
