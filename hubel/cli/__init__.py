"""The ``hubel`` command line: ``main.py`` assembles the subcommands, one module each."""

from __future__ import annotations

import sys

# What the library raises for bad input or a missing file: reported as one line, not a traceback.
LIBRARY_ERRORS = (ValueError, TypeError, KeyError, OSError)


def run_command(args) -> int:
    """Call the parsed subcommand; a library error prints ``error: ...`` (and any notes the
    library attached) on stderr and gives exit code 2."""
    try:
        return args.func(args)
    except LIBRARY_ERRORS as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", *getattr(error, "__notes__", ()), sep="\n", file=sys.stderr)
        return 2
