"""``hubel calc``: the course's calculators on the command line.

    hubel calc conv --input 3x224x224 --kernel 7 --stride 2 --padding 3 --filters 64 --no-bias
    hubel calc pool --input 6x28x28 --kernel 2 [--stride S] [--padding P] [--ceil-mode] [--avg]
    hubel calc linear --in 3072 --out 1024 [--no-bias]
    hubel calc depthwise --input 64x32x32 --kernel 3 --filters 128 [--stride S] [--padding P]
    hubel calc stack --input 1x32x32 "conv5x5x6 relu pool2 conv5x5x16 relu pool2 fc120 fc84 fc10"

Shapes are C x H x W, as PyTorch orders a tensor (3x32x32 is a 32x32 RGB image), like every
hubel command; --channels-last reads and prints them H x W x C instead (the course's 32x32x3).
Kernel, stride, padding and dilation take N or HxW. `hubel calc stack --help` lists the layers.

Every number comes from :mod:`hubel.analysis`: this file parses, calls the library, prints.
The ``hubel`` command calls :func:`register`; :func:`main` runs it standalone:
``main(["calc", "conv", "--input", "3x32x32", "--kernel", "5", "--filters", "6"])``.
"""

import argparse
import re
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
from hubel.analysis import stack as stack_grammar
from hubel.analysis.answer import fmt
from hubel.analysis.tables import make_console, make_table
from hubel.cli import run_command

INPUT_HELP = (
    "the input, C x H x W (channels first, as PyTorch), e.g. {example}; with --channels-last "
    "H x W x C"
)


def _library_type(parse: Callable, name: str) -> Callable[[str], object]:
    """An argparse ``type`` that parses with the library and reports its message on error."""

    def convert(text: str) -> object:
        try:
            return parse(text, name)
        except (TypeError, ValueError) as error:
            # argparse already names the option: drop the library's "--input: " prefix
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{name}: ")) from None

    return convert


def _parse_input(text: str, name: str) -> tuple[int, ...]:
    """``'3x32x32'`` → ``(3, 32, 32)``, a feature map as written (C x H x W, or H x W x C with
    --channels-last: the order is settled once the flag is known); ``'3072'`` → ``(3072,)``."""
    expected = "'CxHxW' like '3x32x32' (or HxWxC with --channels-last), or 'N' like '3072'"
    try:
        return parse_shape(text, name)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {expected}, got {text!r}") from None


_SHAPE = _library_type(_parse_input, "--input")


def _size(name: str) -> Callable[[str], object]:
    return _library_type(parse_size, name)


def _library_shape(args: argparse.Namespace) -> tuple[int, ...]:
    """``--input`` as the library takes it, ``(H, W, C)`` (or ``(N,)``)."""
    shape = args.input
    if len(shape) == 3 and not args.channels_last:
        channels, height, width = shape
        if width <= 4 < channels:  # 224x224x3 is almost surely an image written H x W x C
            print(
                f"note: --input {format_shape(shape)} is read as C x H x W (C={channels}, "
                f"H={height}, W={width}); for H x W x C add --channels-last",
                file=sys.stderr,
            )
        return height, width, channels
    return shape


def _shown(shape: tuple[int, ...], channels_last: bool) -> str:
    """A library ``(H, W, C)`` shape written in the command's order: ``3x32x32`` or ``32x32x3``."""
    if len(shape) == 3 and not channels_last:
        height, width, channels = shape
        shape = channels, height, width
    return format_shape(shape)


def _print(
    args: argparse.Namespace,
    title: str,
    rows: Sequence[LayerCost],
    totals: tuple[str, int, int] | None = None,
    steps: Sequence[str] = (),
) -> None:
    """A table of the rows (and a totals row), then each row's worked steps, then ``steps``."""
    console = make_console(min_width=120)  # piped: do not wrap the worked steps at 80 columns
    order = "H x W x C" if args.channels_last else "C x H x W"
    table = make_table(title=title, caption=f"shapes: {order}")
    table.add_column("layer")
    for column in ("input", "output", "params", "MACs"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        shapes = (
            _shown(shape, args.channels_last) for shape in (row.input_shape, row.output_shape)
        )
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


def _grammar() -> str:
    """The stack grammar as :mod:`hubel.analysis.stack` documents it, from "Grammar:" on,
    without the reST markup; the table's first column stays as wide as its rule."""
    lines = stack_grammar.__doc__[stack_grammar.__doc__.index("Grammar:") :].splitlines()
    rules = [number for number, line in enumerate(lines) if line.startswith("===")]
    width = len(lines[rules[0]].split()[0]) + 2
    for number in range(rules[0], rules[-1]):
        lines[number] = re.sub(r"^``([^`]*)``\s*", lambda cell: cell[1].ljust(width), lines[number])
    return "\n".join(lines).replace("``", "")


def run_conv(args: argparse.Namespace) -> int:
    cost = conv2d_cost(
        _library_shape(args),
        args.filters,
        args.kernel,
        args.stride,
        args.padding,
        args.dilation,
        args.groups,
        bias=not args.no_bias,
    )
    _print(args, "Convolution", [cost])
    return 0


def run_pool(args: argparse.Namespace) -> int:
    name = "AvgPool2d" if args.avg else "MaxPool2d"
    cost = pool2d_cost(
        _library_shape(args),
        args.kernel,
        args.stride,
        args.padding,
        ceil_mode=args.ceil_mode,
        name=name,
    )
    _print(args, "Pooling", [cost])
    return 0


def run_linear(args: argparse.Namespace) -> int:
    cost = linear_cost(args.in_features, args.out_features, bias=not args.no_bias)
    _print(args, "Fully connected", [cost])
    return 0


def run_depthwise(args: argparse.Namespace) -> int:
    cost = depthwise_separable_cost(
        _library_shape(args), args.filters, args.kernel, args.stride, args.padding
    )
    rows = [cost.standard, cost.depthwise, cost.pointwise]
    totals = ("separable", cost.separable_params, cost.separable_macs)
    _print(args, "Standard vs depthwise separable (no biases)", rows, totals, cost.steps)
    return 0


def run_stack(args: argparse.Namespace) -> int:
    result = calc_stack(_library_shape(args), " ".join(args.spec))
    totals = ("total", result.total_params, result.total_macs)
    _print(args, "Stack", result.rows, totals, result.steps)
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
    commands = calc.add_subparsers(
        dest="calculator", required=True, metavar="{conv,pool,linear,depthwise,stack}"
    )

    def command(name: str, help: str, run: Callable, epilog: str = "") -> argparse.ArgumentParser:
        parser = commands.add_parser(
            name,
            help=help,
            description=help,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(func=run, channels_last=False)
        return parser

    def input_option(parser: argparse.ArgumentParser, example: str) -> None:
        help = INPUT_HELP.format(example=example)
        parser.add_argument("--input", required=True, type=_SHAPE, help=help)
        parser.add_argument(
            "--channels-last",
            action="store_true",
            help="read --input and print shapes as H x W x C (the course's 32x32x3)",
        )

    conv = command("conv", "a convolution: output size, parameters, MACs", run_conv)
    input_option(conv, "3x32x32")
    conv.add_argument("--kernel", required=True, type=_size("--kernel"), help="F or FhxFw")
    conv.add_argument("--filters", required=True, type=int, help="K, the output channels")
    conv.add_argument("--stride", default=1, type=_size("--stride"), help="S (default 1)")
    conv.add_argument("--padding", default=0, type=_size("--padding"), help="P (default 0)")
    conv.add_argument("--dilation", default=1, type=_size("--dilation"), help="D (default 1)")
    conv.add_argument("--groups", default=1, type=int, help="G (default 1)")
    conv.add_argument("--no-bias", action="store_true", help="leave out the biases")

    pool = command("pool", "a max (or average) pooling: output size", run_pool)
    input_option(pool, "6x28x28")
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
    input_option(depthwise, "64x32x32")
    depthwise.add_argument("--kernel", required=True, type=_size("--kernel"), help="D_K")
    depthwise.add_argument("--filters", required=True, type=int, help="N, the output channels")
    depthwise.add_argument("--stride", default=1, type=_size("--stride"), help="S (default 1)")
    depthwise.add_argument(
        "--padding", type=_size("--padding"), help="P (default: kernel // 2, keeping the size)"
    )

    stack = command("stack", "a stack of layers written in one line", run_stack, _grammar())
    input_option(stack, "1x32x32")
    stack.add_argument(
        "spec",
        nargs="+",
        help='layers, e.g. "conv5x5x6 relu pool2 conv5x5x16 relu pool2 fc120 fc84 fc10" '
        "(the grammar is below)",
    )
    return calc


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hubel calc ...`` on its own; ``argv`` starts with ``calc``, as after ``hubel``."""
    parser = argparse.ArgumentParser(prog="hubel")
    register(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
