"""``hubel graph``: draw a model's autograd graph, collapsed by module depth.

    hubel graph resnet18 --input-size 3,224,224 --depth 1 --out resnet18.svg
    hubel graph lenet5 --out lenet5.png
    hubel graph mlp --depth 1 --out mlp.dot

MODEL is a registry name (``hubel models`` lists them); --input-size is one example as PyTorch
orders it, C,H,W (``3x224x224`` works too), by default the model's own. The drawing is made by
:func:`hubel.viz.draw_model`; this file parses, calls and saves.
"""

from __future__ import annotations

import argparse

from hubel.analysis.summary import check_input_size

from . import plot_extra_missing

SUFFIXES = (".svg", ".png", ".dot", ".gv")


def parse_size(text: str) -> tuple[int, ...]:
    """``'3,224,224'`` or ``'3x224x224'`` → ``(3, 224, 224)``, for argparse."""
    expected = "C,H,W like '3,224,224' (or N like '784' for a vector)"
    parts = text.lower().replace("x", ",").split(",")
    if not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    try:
        return check_input_size(tuple(int(part) for part in parts))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def run_graph(args: argparse.Namespace) -> int:
    from hubel.models import get_model, model_info
    from hubel.viz import draw_model

    if not args.out.lower().endswith(SUFFIXES):
        raise ValueError(
            f"--out: expected a file ending in {', '.join(SUFFIXES)}, got {args.out!r}"
        )
    if args.out.lower().endswith(".png"):
        try:  # said before the model runs: the PNG is drawn by matplotlib
            import matplotlib  # noqa: F401
        except ImportError as missing:
            raise ValueError(
                f"--out {args.out}: {plot_extra_missing(missing)} (.svg and .dot need nothing)"
            ) from None
    size = args.input_size or model_info(args.model).input_size  # an unknown name lists all
    model = get_model(args.model)
    graph = draw_model(model, size, depth=args.depth)
    path = graph.save(args.out)
    print(f"saved {path} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``graph`` to the ``hubel`` command's subparsers."""
    parser = subparsers.add_parser(
        "graph",
        help="draw a model's autograd graph (SVG, PNG or DOT), collapsed by module depth",
        description="Run the model on one random input and draw the graph backward would walk: "
        "one box per op or, with --depth, per module call at that depth (1: the model's "
        "children, as in `hubel summary --depth 1`), with output shapes and parameter counts. "
        "No graphviz needed.",
        epilog="examples:\n" + __doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", help="a registry name, e.g. resnet18")
    parser.add_argument(
        "--input-size", type=parse_size, help="one example, C,H,W (default: the model's own)"
    )
    parser.add_argument(
        "--depth", type=int, help="collapse module calls at this depth (default: every op)"
    )
    parser.add_argument("--out", required=True, help="where to save: .svg, .png, .dot or .gv")
    parser.set_defaults(func=run_graph)
    return parser
