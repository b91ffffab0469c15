"""A restricted unpickler for data files such as the CIFAR-10 batches.

``pickle.load`` runs whatever callable a file names, so a tampered file can run any code. This
unpickler resolves only the few names a pickled NumPy array needs; dicts, lists, strings, bytes
and numbers need no names at all. Anything else (``os.system``, ``builtins.eval``, ...) is
refused before it is called.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

# NumPy's array-rebuilding function, taken from an array's own pickle recipe rather than by its
# module path, which moved from numpy.core to numpy._core in NumPy 2.
_reconstruct = np.empty(0).__reduce__()[0]

ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS` and raises on anything else."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: this file may only hold plain data "
                f"(dict, list, str, bytes, int and NumPy arrays: {allowed})"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refusing a persistent id: this file may only hold plain data")


def load_pickle(path: Path, encoding: str = "bytes") -> Any:
    """Unpickle the file at ``path`` with :class:`RestrictedUnpickler`.

    ``encoding="bytes"`` reads Python 2 strings (as in the CIFAR-10 batches) as ``bytes``.
    Raises ``pickle.UnpicklingError`` naming the file and what is wrong: a refused name, or
    bytes that are not a complete pickle (an empty, truncated or overwritten file).
    """
    with open(path, "rb") as stream:
        try:
            return RestrictedUnpickler(stream, encoding=encoding).load()
        except pickle.UnpicklingError as error:
            raise pickle.UnpicklingError(f"{path}: {error}") from None
        # what the unpickler raises on bytes that end early or are not a pickle at all
        except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
            reason = "the file is empty" if stream.tell() == 0 else "truncated or corrupt"
            detail = f" ({error})" if str(error) else ""
            raise pickle.UnpicklingError(f"{path}: {reason}{detail}") from None
