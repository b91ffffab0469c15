"""``hubel fold``: absorb a trained model's BatchNorms into the layers before them.

    hubel fold runs/cifar10-resnet20-.../ -o resnet20-folded.npz
    hubel fold best.npz --model resnet20 -o resnet20-folded.npz

Prints, per folded pair, channel 0's worked numbers (s = γ/√(σ²+ε), W' = W·s,
b' = (b − μ)·s + β) and every BatchNorm left in place with the reason. Everything is done by
:func:`hubel.training.fold_io.fold_saved`; this file parses, calls, prints.
"""

from __future__ import annotations

import argparse


def run_fold(args: argparse.Namespace) -> int:
    from ..outputs import check_output_file
    from ..training.fold_io import fold_saved

    check_output_file(args.out, "--out", (".npz",))  # a bad name fails before the work
    result = fold_saved(args.source, args.out, model=args.model)
    print(result.report())
    print(f"\nfolded weights: {args.out} (load with hubel.training.load_folded)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``fold`` to the ``hubel`` command's subparsers."""
    parser = subparsers.add_parser(
        "fold",
        help="fold BatchNorm into the preceding conv/linear layers of saved weights",
        description="Rebuild the model (from a run folder's config.toml, or the zoo model "
        "--model NAME), load its weights, switch to eval mode, fold every BatchNorm that directly "
        "follows a Conv2d or Linear into it, print the worked report and save the folded state "
        "dict with a note of the architecture (read it back with hubel.training.load_folded).",
    )
    parser.add_argument(
        "source",
        metavar="RUN_DIR_OR_WEIGHTS",
        help="a run folder from `hubel train`, or a weights .npz (a run's best.npz works "
        "without --model: its config.toml is beside it)",
    )
    parser.add_argument(
        "-o",
        "--out",
        required=True,
        metavar="FILE.npz",
        help="where to write the folded weights (.npz); its folder must exist, or only the last "
        "folder is created",
    )
    parser.add_argument(
        "--model",
        help="the zoo model the weights belong to (`hubel models`); not needed for a run folder",
    )
    parser.set_defaults(func=run_fold)
    return parser
