"""``hubel playground``: the course's phenomena in a browser, trained by hubel on this machine.

    hubel playground [--port P] [--host 127.0.0.1] [--no-browser]

Everything is :mod:`hubel.playground`: this file parses, checks that the ``playground`` extra
is installed, and calls :func:`hubel.playground.serve`.
"""

from __future__ import annotations

import argparse
import sys


def run_playground(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (exit 0); without the playground extra, one line and exit 2."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        print(
            f"error: hubel playground needs {error.name}: pip install 'hubel[playground]'",
            file=sys.stderr,
        )
        return 2
    from ..playground import serve

    serve(args.host, args.port, open_browser=not args.no_browser)
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``playground`` to the ``hubel`` command's subparsers."""
    parser = subparsers.add_parser(
        "playground",
        help="a local web app: train an MLP or a CNN step by step and see inside",
        description=(
            "Serve the playground on this machine and open it in the browser: an MLP on 2-D "
            "data (init, optimizer, L1/L2, dropout, batch norm, gradient norms per layer) and "
            "a small CNN on the digits (feature maps, worked arithmetic, BN folding)."
        ),
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this machine only; others print a warning)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open the page in a browser"
    )
    parser.set_defaults(func=run_playground)
    return parser
