"""``hb.save`` / ``hb.load``: state dicts (and nested dicts of them) in a plain ``.npz``.

No pickle anywhere: arrays are stored as ``.npy`` members named by their path in the object
(``"model/fc1.weight"``) and the structure around them (dicts, lists, numbers, strings) as one
JSON member. ``np.load(path)`` reads the arrays without hubel. Writes are atomic: the file is
written beside the target and renamed over it, so a crash never leaves a half-written file.

Reading checks what it reads: a file that is not a zip of ``.npy`` arrays (a torch ``.pth``, a
zip of text, a truncated or zero-filled download) is refused with a ``ValueError`` that names
the file, says what is wrong with it and what to do; so are members holding Python objects,
bytes or strings, which a tensor cannot wrap.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .backend import to_device
from .tensor import Tensor

_TREE = "__hubel_tree__"
# dtype kinds a tensor can hold: booleans, integers, floats, complex numbers
_NUMERIC_KINDS = "biufc"


def _encode(obj, path: str, arrays: dict):
    if isinstance(obj, Tensor):
        arrays[path] = to_device(obj.data, "cpu")
        return {"__tensor__": path}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        if obj.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"save: cannot store an array of dtype {obj.dtype} at {path or 'top level'}; "
                "only numeric and boolean arrays (no pickle); store strings as str or a list"
            )
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


_TORCH_HINT = (
    "it is a PyTorch file (torch.save's zip with data.pkl), not an .npz; read it into a model "
    "with hubel.interop.torch.load_torch_state_dict(model, path)"
)


def _corrupt(path: Path, reason: str) -> ValueError:
    return ValueError(
        f"load: {path} is truncated or corrupt ({reason}); it cannot be read: rerun or restore it"
    )


def _not_a_zip_reason(path: Path) -> str:
    """Why ``path`` (not a zip archive) cannot be an ``.npz``, from its first bytes."""
    with open(path, "rb") as stream:
        head = stream.read(8)
    if not head:
        return "the file is empty"
    if head.startswith(b"PK"):
        return "the zip archive ends early: its table of contents is missing"
    if not head.strip(b"\0"):
        return "it starts with zero bytes, not an .npz archive's PK header"
    return f"not a zip archive: it starts with {head!r}, an .npz starts with b'PK'"


def _read_member(archive: zipfile.ZipFile, member: str, path: Path) -> np.ndarray:
    """The array in ``member`` (``name.npy``); refuses pickled objects, bytes and strings."""
    try:
        with archive.open(member) as stream:
            try:
                array = np.lib.format.read_array(stream, allow_pickle=False)
            except ValueError as error:
                if "allow_pickle" not in str(error):  # NumPy's refusal of an object array
                    raise
                array = None
            stream.read()  # to the end, where zipfile checks the member's CRC
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise _corrupt(path, str(error) or type(error).__name__) from None
    if array is None or array.dtype.kind not in _NUMERIC_KINDS:
        dtype = "object" if array is None else array.dtype
        raise ValueError(
            f"load: {path}: member {member!r} holds an array of dtype {dtype} (Python objects, "
            "bytes or strings); only numeric and boolean arrays can be loaded, no pickle"
        )
    return array


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every member of the ``.npz`` at ``path`` by name (without ``.npy``), checked."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _corrupt(path, _not_a_zip_reason(path)) from None
    with archive:
        members = archive.namelist()
        if any(name == "data.pkl" or name.endswith("/data.pkl") for name in members):
            raise ValueError(f"load: {path}: {_TORCH_HINT}")
        foreign = [name for name in members if not name.endswith(".npy")]
        if foreign:
            raise ValueError(
                f"load: {path} is a zip archive but not an .npz of arrays (member "
                f"{foreign[0]!r} is not a .npy array); hb.load reads files written by hb.save "
                "or numpy.savez"
            )
        return {name[: -len(".npy")]: _read_member(archive, name, path) for name in members}


def load(path: str | os.PathLike):
    """Load what ``save`` wrote. Tensors come back as ``Tensor``s, arrays as arrays.

    A plain ``.npz`` of arrays (no hubel structure) loads as a dict of tensors by member name.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is truncated or corrupt, is not an ``.npz`` (a PyTorch ``.pth``, a
            zip of other files), or holds arrays of Python objects, bytes or strings.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no such file {str(path)!r}")
    arrays = _read_arrays(path)
    if _TREE not in arrays:
        return {name: Tensor(a) for name, a in arrays.items()}
    try:
        tree = json.loads(arrays.pop(_TREE).tobytes().decode())
        return _decode(tree, arrays)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise _corrupt(path, f"its {_TREE} member cannot be read: {error}") from None
