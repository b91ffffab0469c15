"""``hubel calc``: the course's calculators on the command line.

    hubel calc conv --input 32x32x3 --kernel 5 --filters 6 [--stride S] [--padding P]
                    [--dilation D] [--groups G] [--no-bias]
    hubel calc pool --input 28x28x6 --kernel 2 [--stride S] [--padding P] [--ceil-mode] [--avg]
    hubel calc linear --in 3072 --out 1024 [--no-bias]
    hubel calc depthwise --input 32x32x64 --kernel 3 --filters 128 [--stride S] [--padding P]
    hubel calc stack --input 32x32x1 "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10"

Shapes are HxWxC (height x width x channels, as the course writes 32x32x3); kernel, stride,
padding and dilation take N or HxW. The stack grammar is in :mod:`hubel.analysis.stack`.

Every number comes from :mod:`hubel.analysis`: this file parses, calls the library, prints.
The ``hubel`` command calls :func:`register`; :func:`main` runs it standalone:
``main(["calc", "conv", "--input", "32x32x3", "--kernel", "5", "--filters", "6"])``.
"""

import argparse
import sys
from collections.abc import Callable, Sequence

from hubel.analysis import (
    LayerCost,
    calc_stack,
    conv2d_cost,
    depthwise_separable_cost,
    format_shape,
    linear_cost,
    parse_shape,
    parse_size,
    pool2d_cost,
)
from hubel.analysis.answer import fmt
from hubel.cli import run_command


def _library_type(parse: Callable, name: str) -> Callable[[str], object]:
    """An argparse ``type`` that parses with the library and reports its message on error."""

    def convert(text: str) -> object:
        try:
            return parse(text, name)
        except (TypeError, ValueError) as error:
            # argparse already names the option: drop the library's "--input: " prefix
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{name}: ")) from None

    return convert


_SHAPE = _library_type(parse_shape, "--input")


def _size(name: str) -> Callable[[str], object]:
    return _library_type(parse_size, name)


def _console():
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # piped or captured: do not wrap the worked steps at 80 columns
        console.width = max(console.width, 120)
    return console


def _print(
    title: str,
    rows: Sequence[LayerCost],
    totals: tuple[str, int, int] | None = None,
    steps: Sequence[str] = (),
) -> None:
    """A table of the rows (and a totals row), then each row's worked steps, then ``steps``."""
    from rich.table import Table

    console = _console()
    table = Table(title=title)
    table.add_column("layer")
    for column in ("input", "output", "params", "MACs"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        shapes = format_shape(row.input_shape), format_shape(row.output_shape)
        table.add_row(row.name, *shapes, fmt(row.params), fmt(row.macs))
    if totals is not None:
        table.add_section()
        label, params, macs = totals
        table.add_row(label, "", "", fmt(params), fmt(macs))
    console.print(table)
    for row in rows:
        console.print(row.name, style="bold", markup=False, highlight=False)
        for step in row.steps:
            console.print(f"  {step}", markup=False, soft_wrap=True)
    for step in steps:
        console.print(step, markup=False, soft_wrap=True)


def run_conv(args: argparse.Namespace) -> int:
    cost = conv2d_cost(
        args.input,
        args.filters,
        args.kernel,
        args.stride,
        args.padding,
        args.dilation,
        args.groups,
        bias=not args.no_bias,
    )
    _print("Convolution", [cost])
    return 0


def run_pool(args: argparse.Namespace) -> int:
    name = "AvgPool2d" if args.avg else "MaxPool2d"
    cost = pool2d_cost(
        args.input, args.kernel, args.stride, args.padding, ceil_mode=args.ceil_mode, name=name
    )
    _print("Pooling", [cost])
    return 0


def run_linear(args: argparse.Namespace) -> int:
    cost = linear_cost(args.in_features, args.out_features, bias=not args.no_bias)
    _print("Fully connected", [cost])
    return 0


def run_depthwise(args: argparse.Namespace) -> int:
    cost = depthwise_separable_cost(
        args.input, args.filters, args.kernel, args.stride, args.padding
    )
    rows = [cost.standard, cost.depthwise, cost.pointwise]
    totals = ("separable", cost.separable_params, cost.separable_macs)
    _print("Standard vs depthwise separable (no biases)", rows, totals, cost.steps)
    return 0


def run_stack(args: argparse.Namespace) -> int:
    result = calc_stack(args.input, " ".join(args.spec))
    totals = ("total", result.total_params, result.total_macs)
    _print("Stack", result.rows, totals, result.steps)
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``calc`` and its calculators to the ``hubel`` command's subparsers."""
    calc = subparsers.add_parser(
        "calc",
        help="output sizes, parameters and MACs, with worked steps",
        description="The course's calculators: sizes, parameters and MACs, with worked steps.",
        epilog="examples:\n" + __doc__.split("\n\n")[1],  # the usage lines above
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = calc.add_subparsers(dest="calc_command", required=True)

    def command(name: str, help: str, run: Callable) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help, description=help)
        parser.set_defaults(func=run)
        return parser

    def input_option(parser: argparse.ArgumentParser, example: str) -> None:
        parser.add_argument("--input", required=True, type=_SHAPE, help=f"HxWxC, e.g. {example}")

    conv = command("conv", "a convolution: output size, parameters, MACs", run_conv)
    input_option(conv, "32x32x3")
    conv.add_argument("--kernel", required=True, type=_size("--kernel"), help="F or FhxFw")
    conv.add_argument("--filters", required=True, type=int, help="K, the output channels")
    conv.add_argument("--stride", default=1, type=_size("--stride"), help="S (default 1)")
    conv.add_argument("--padding", default=0, type=_size("--padding"), help="P (default 0)")
    conv.add_argument("--dilation", default=1, type=_size("--dilation"), help="D (default 1)")
    conv.add_argument("--groups", default=1, type=int, help="G (default 1)")
    conv.add_argument("--no-bias", action="store_true", help="leave out the biases")

    pool = command("pool", "a max (or average) pooling: output size", run_pool)
    input_option(pool, "28x28x6")
    pool.add_argument("--kernel", required=True, type=_size("--kernel"), help="F or FhxFw")
    pool.add_argument("--stride", type=_size("--stride"), help="S (default: the kernel size)")
    pool.add_argument("--padding", default=0, type=_size("--padding"), help="P (default 0)")
    pool.add_argument("--ceil-mode", action="store_true", help="round up, as ceil_mode=True")
    pool.add_argument("--avg", action="store_true", help="average pooling instead of max")

    linear = command("linear", "a fully connected layer: parameters, MACs", run_linear)
    linear.add_argument("--in", dest="in_features", required=True, type=int, help="inputs")
    linear.add_argument("--out", dest="out_features", required=True, type=int, help="outputs")
    linear.add_argument("--no-bias", action="store_true", help="leave out the biases")

    depthwise = command(
        "depthwise", "a standard conv against a depthwise separable one (MobileNet)", run_depthwise
    )
    input_option(depthwise, "32x32x64")
    depthwise.add_argument("--kernel", required=True, type=_size("--kernel"), help="D_K")
    depthwise.add_argument("--filters", required=True, type=int, help="N, the output channels")
    depthwise.add_argument("--stride", default=1, type=_size("--stride"), help="S (default 1)")
    depthwise.add_argument(
        "--padding", type=_size("--padding"), help="P (default: kernel // 2, keeping the size)"
    )

    stack = command("stack", "a stack of layers written in one line", run_stack)
    input_option(stack, "32x32x1")
    stack.add_argument(
        "spec", nargs="+", help='layers, e.g. "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10"'
    )
    return calc


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hubel calc ...`` on its own; ``argv`` starts with ``calc``, as after ``hubel``."""
    parser = argparse.ArgumentParser(prog="hubel")
    register(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
