"""``hb.save`` / ``hb.load``: state dicts (and nested dicts of them) in a plain ``.npz``.

No pickle anywhere: arrays are stored as ``.npy`` members named by their path in the object
(``"model/fc1.weight"``) and the structure around them (dicts, lists, numbers, strings) as one
JSON member. ``np.load(path)`` reads the arrays without hubel. Writes are atomic: the file is
written beside the target and renamed over it, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .backend import to_device
from .tensor import Tensor

_TREE = "__hubel_tree__"


def _encode(obj, path: str, arrays: dict):
    if isinstance(obj, Tensor):
        arrays[path] = to_device(obj.data, "cpu")
        return {"__tensor__": path}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        arrays[path] = to_device(obj, "cpu")
        return {"__array__": path}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, str | int):
                raise TypeError(
                    f"save: dict keys must be str or int, got {type(key).__name__} "
                    f"at {path or 'top level'}"
                )
        return {
            "__dict__": [
                [k, _encode(v, f"{path}/{k}" if path else str(k), arrays)] for k, v in obj.items()
            ]
        }
    if isinstance(obj, list | tuple):
        items = [_encode(v, f"{path}/{i}" if path else str(i), arrays) for i, v in enumerate(obj)]
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": items}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {path or 'top level'}; only tensors, "
        f"arrays, numbers, strings, None and dicts/lists of them (no pickle)"
    )


def _decode(node, arrays):
    if isinstance(node, dict):
        if "__tensor__" in node:
            return Tensor(arrays[node["__tensor__"]])
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__dict__" in node:
            return {k: _decode(v, arrays) for k, v in node["__dict__"]}
        if "__list__" in node:
            return [_decode(v, arrays) for v in node["__list__"]]
        if "__tuple__" in node:
            return tuple(_decode(v, arrays) for v in node["__tuple__"])
    return node


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(obj, path: str | os.PathLike) -> None:
    """Save a state dict (or a dict/list of them, numbers, strings) to ``path`` atomically."""
    arrays: dict = {}
    tree = _encode(obj, "", arrays)
    if _TREE in arrays:
        raise ValueError(f"save: the name {_TREE!r} is reserved")
    buffer = io.BytesIO()
    members = {**arrays, _TREE: np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)}
    np.savez(buffer, **members)
    atomic_write_bytes(path, buffer.getvalue())


def load(path: str | os.PathLike):
    """Load what ``save`` wrote. Tensors come back as ``Tensor``s, arrays as arrays.

    A plain ``.npz`` of arrays (no hubel structure) loads as a dict of tensors by member name.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no such file {str(path)!r}")
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if _TREE not in arrays:
        return {name: Tensor(a) for name, a in arrays.items()}
    tree = json.loads(arrays.pop(_TREE).tobytes().decode())
    return _decode(tree, arrays)
