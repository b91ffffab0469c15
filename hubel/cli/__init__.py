"""The ``hubel`` command line: ``main.py`` assembles the subcommands, one module each.

Bad input never shows a Python traceback: a library error (a bad value, a missing or corrupt
file, a refused pickle) prints one ``error: ...`` line and exits with 2; Ctrl-C prints
``interrupted`` and exits with 130 (the shell's code for SIGINT). Tracebacks remain for genuine
bugs, and ``HUBEL_DEBUG=1`` shows them for everything.
"""

from __future__ import annotations

import os
import pickle
import sys

# What the library raises for bad input or a bad file: reported as one line, not a traceback.
LIBRARY_ERRORS = (ValueError, TypeError, KeyError, OSError, pickle.UnpicklingError)
INTERRUPTED_EXIT_CODE = 130


def debugging() -> bool:
    """``HUBEL_DEBUG`` set (to anything but ``0``): let every error show its traceback."""
    return os.environ.get("HUBEL_DEBUG", "0") not in ("", "0")


def plot_extra_missing(error: ImportError) -> str:
    """What to say when a figure cannot be drawn because matplotlib (or Pillow) is missing."""
    module = (error.name or "matplotlib").split(".")[0]
    return f"{module} is not installed; pip install 'hubel[plot]'"


def run_command(args) -> int:
    """Call the parsed subcommand; a library error prints ``error: ...`` (and any notes the
    library attached) on stderr and gives exit code 2, Ctrl-C prints ``interrupted`` and gives
    130. With ``HUBEL_DEBUG=1`` both propagate, traceback included."""
    try:
        return args.func(args)
    except LIBRARY_ERRORS as error:
        if debugging():
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", *getattr(error, "__notes__", ()), sep="\n", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if debugging():
            raise
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
