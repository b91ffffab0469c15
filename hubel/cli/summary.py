"""``hubel summary`` and ``hubel compare``: the per-layer analyzer on the command line.

    hubel summary resnet18 [--input 3x224x224] [--batch-size N] [--depth N] [--explain]
                           [--fold-bn] [--format table|json|csv|md]
    hubel compare resnet18 mobilenet_v2 alexnet [--input 3x224x224] [--out models.png]

MODEL is a registry name (``hubel models`` lists them). --input is one example as PyTorch
orders it, C x H x W (as every hubel command writes shapes); by default the model's own size.

Every number comes from :func:`hubel.analysis.summary`: this file parses, calls, prints.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from hubel.analysis.shapes import _numbers
from hubel.analysis.summary import check_input_size, summary
from hubel.cli import plot_extra_missing


def parse_input_size(text: str) -> tuple[int, ...]:
    """``'3x224x224'`` → ``(3, 224, 224)``, for argparse (errors without the option's name)."""
    expected = "C x H x W like '3x224x224', or N like '784' for a vector"
    try:
        return check_input_size(tuple(_numbers(text, "--input", expected)))
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def _console():
    from hubel.analysis.tables import make_console

    return make_console(min_width=200)  # piped or captured: the table keeps its full width


def _summarize(name: str, input_size, **options):
    """The summary of the registry model ``name`` at ``input_size`` (default: its own).

    The model is built without drawing its initial weights (``skip_init``): counts and shapes
    do not depend on them, and VGG-16 then builds in milliseconds instead of seconds.
    """
    from hubel.models import get_model, model_info, skip_init

    size = input_size or model_info(name).input_size  # an unknown name raises, listing all
    with skip_init():
        model = get_model(name)
    with warnings.catch_warnings():
        # the summary's own warnings are printed with it; garbage weights may overflow
        warnings.simplefilter("ignore")
        return summary(model, size, name=name, **options)


def run_summary(args: argparse.Namespace) -> int:
    result = _summarize(
        args.model,
        args.input,
        batch_size=args.batch_size,
        depth=args.depth,
        explain=args.explain,
        fold_bn=args.fold_bn,
    )
    if args.format == "table":
        from hubel.analysis.summary_format import print_table

        print_table(result, _console())
        return 0
    exports = {"json": result.to_json, "csv": result.to_csv, "md": result.to_markdown}
    sys.stdout.write(exports[args.format]().rstrip("\n") + "\n")
    for message in result.warnings:
        print(f"warning: {message}", file=sys.stderr)
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from hubel.analysis.summary_compare import check_plot_path, plot_comparison, print_comparison

    if args.out:
        check_plot_path(args.out, "--out")  # before the work: a bad name fails at once
    summaries = [_summarize(name, args.input) for name in args.models]
    print_comparison(summaries, _console())
    if not args.out:
        return 0
    try:
        print(f"saved {plot_comparison(summaries, args.out)}")
    except ImportError as missing:
        print(f"error: could not draw {args.out}: {plot_extra_missing(missing)}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``summary`` and ``compare`` to the ``hubel`` command's subparsers."""
    usage = __doc__.split("\n\n")[1]
    summary_parser = subparsers.add_parser(
        "summary",
        help="a model's layers: shapes, parameters, MACs, memory",
        description="Every layer of a model: input and output shapes, parameters, MACs, "
        "other ops, totals and memory, from one forward pass.",
        epilog="examples:\n" + usage,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    summary_parser.set_defaults(func=run_summary)
    summary_parser.add_argument("model", help="a registry name, e.g. resnet18")
    input_help = "one example, C x H x W, e.g. 3x224x224 (default: the model's own)"
    summary_parser.add_argument("--input", type=parse_input_size, help=input_help)
    summary_parser.add_argument("--batch-size", type=int, default=1, help="N (default 1)")
    summary_parser.add_argument(
        "--depth", type=int, help="collapse blocks deeper than this (default: show all)"
    )
    summary_parser.add_argument(
        "--explain", action="store_true", help="the worked formula under each conv/pool row"
    )
    summary_parser.add_argument(
        "--fold-bn", action="store_true", help="the inference form: each BN folded into its conv"
    )
    summary_parser.add_argument(
        "--format", choices=("table", "json", "csv", "md"), default="table", help="output"
    )

    compare = subparsers.add_parser(
        "compare",
        help="models side by side: params, MACs, depth, memory",
        description="Models side by side: parameters, MACs, depth and memory, and a bar chart.",
        epilog="examples:\n" + usage,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.set_defaults(func=run_compare)
    compare.add_argument("models", nargs="+", metavar="MODEL", help="registry names")
    compare.add_argument("--input", type=parse_input_size, help=input_help)
    compare.add_argument(
        "--out",
        metavar="FILE",
        help="save a bar chart of params and MACs (log scale): .png, .svg, .pdf or .jpg; its "
        "folder must exist, or only the last folder is created (needs hubel[plot])",
    )
