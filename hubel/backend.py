"""The array module under every tensor: NumPy on the CPU, CuPy on a GPU.

Ops never branch on the device. They ask ``xp = get_array_module(x)`` and write ``xp.exp(x)``,
so one code path serves both libraries (the DeZero/Chainer idiom).
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np

try:  # CuPy is optional: only present on a GPU machine.
    import cupy as _cupy  # type: ignore[import-not-found]
except Exception:  # pragma: no cover - no GPU here
    _cupy = None

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_default_dtype = float32
_rng = np.random.default_rng()


def get_array_module(*arrays):
    """Return ``cupy`` if any argument lives on a GPU, else ``numpy``."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def cuda_is_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # pragma: no cover - driver problems
        return False


def device_of(array) -> str:
    """``"cpu"`` for a NumPy array, ``"cuda"`` for a CuPy array."""
    return "cuda" if get_array_module(array) is not np else "cpu"


def to_device(array, device: str):
    """Move ``array`` to ``device`` (``"cpu"`` or ``"cuda"``); a no-op when it is already there."""
    if device == "cpu":
        if get_array_module(array) is np:
            return array
        return array.get()
    if device in ("cuda", "gpu"):
        if _cupy is None:
            raise RuntimeError("device='cuda' needs CuPy and an NVIDIA GPU; neither is available")
        return _cupy.asarray(array)
    raise ValueError(f"device: expected 'cpu' or 'cuda', got {device!r}")


def get_default_dtype() -> np.dtype:
    """The dtype of floating tensors made from Python numbers (float32, as in PyTorch)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the floating dtype used for Python numbers and new parameters (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (float32, float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _widest(dtypes: list) -> np.dtype | None:
    """The promotion of the dtypes of the highest category among ``dtypes`` (None if empty).

    Only that category counts, as in PyTorch: int32 with float16 is float16, not float64.
    """
    if not dtypes:
        return None
    top = max(_CATEGORY[d.kind] for d in dtypes)
    result = None
    for d in dtypes:
        if _CATEGORY[d.kind] == top:
            result = d if result is None else np.promote_types(result, d)
    return result


def _scalar_dtype(value) -> np.dtype:
    if isinstance(value, bool | np.bool_):
        return bool_
    if isinstance(value, int | np.integer):
        return int64
    if isinstance(value, complex):
        return np.dtype(np.complex64 if _default_dtype == float32 else np.complex128)
    return _default_dtype


def result_type(*operands) -> np.dtype:
    """The dtype of an elementwise op on ``operands`` (arrays, Python numbers): PyTorch's rule.

    Three tiers, from strongest to weakest: arrays with dimensions, 0-d arrays, Python numbers.
    The dimensioned arrays decide, unless a weaker tier holds a higher category (bool < integer
    < floating); then that tier decides within its category. A Python float therefore never
    widens a float32 tensor, and an integer tensor plus 0.5 is the default float (float32), not
    NumPy's float64.
    """
    tiers: tuple[list, list, list] = ([], [], [])
    for x in operands:
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            tiers[2].append(_scalar_dtype(x))
        else:
            tiers[0 if x.ndim else 1].append(np.dtype(dtype))
    result = None
    for tier in tiers:
        candidate = _widest(tier)
        if candidate is not None and (
            result is None or _CATEGORY[candidate.kind] > _CATEGORY[result.kind]
        ):
            result = candidate
    return result


def float_result_type(*operands) -> np.dtype:
    """``result_type``, with integer and bool results turned into the default float dtype: the
    dtype of ``/`` and of floating functions (exp, sqrt, sin, ...) applied to integers."""
    dtype = result_type(*operands)
    return dtype if dtype.kind in "fc" else _default_dtype


def lowest(dtype) -> float | int:
    """The smallest value of ``dtype``: -inf for floats, the minimum for integers (what a max
    pool pads with, so padding never wins and an integer array can hold it)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator behind ``randn``, initialisers and dropout."""
    global _rng
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _rng = np.random.default_rng(int(seed))
    return _rng


def get_rng() -> np.random.Generator:
    """The global NumPy generator that ``manual_seed`` reseeds."""
    return _rng


def get_rng_state() -> dict:
    """The global generator's state, for checkpoints."""
    return _rng.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state from ``get_rng_state``."""
    _rng.bit_generator.state = state


def _tune_malloc() -> None:
    """Keep freed large blocks in the heap instead of returning them to the OS.

    A training step allocates the same large temporaries every iteration. With glibc's default
    mmap threshold each one is a fresh ``mmap`` and thousands of page faults; raising the
    threshold lets ``malloc`` reuse the pages (PyTorch's caching allocator gets the same effect).
    Set ``HUBEL_MALLOC_TUNING=0`` to leave malloc alone.
    """
    if os.environ.get("HUBEL_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # pragma: no cover - not glibc
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    # 32 MiB is the largest threshold glibc accepts on 64-bit systems.
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 1 << 30)


_tune_malloc()
