"""Direct calls into the BLAS library NumPy already loaded (OpenBLAS in NumPy's wheels).

``numpy.matmul(a, b, out=c)`` overwrites ``c`` and wants each operand as an array of its own.
The BLAS routine behind it, ``gemm``, computes ``C = alpha·op(A)·op(B) + beta·C`` on matrices
given by a pointer and a *leading dimension* (the distance between rows), so it can also
*accumulate* into C (beta = 1) and read or write a matrix that is a band of rows, or a block
of columns, of a larger array. The stride-1 convolution's input gradient is nine such products
per block of rows, each one shifted by a tap's offset and added straight into the gradient
(``functional/conv.py``): no column matrix, no separate pass of adds.

hubel finds the library in the process's memory map and calls it with ``ctypes``; the threads
setting (``parallel.py``) goes through the same library. Where no such library is found (other
BLAS builds, other platforms) or the arrays are not float32/float64 NumPy arrays, ``usable``
says so and callers take their plain NumPy path, which gives the same numbers.
"""

from __future__ import annotations

import ctypes
import sys
import threading

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS enum values
_PREFIXES = ("", "scipy_")  # NumPy 2 wheels: scipy-openblas, symbols prefixed scipy_
_SUFFIXES = ("", "64_", "_64")  # a 64 suffix marks 64-bit integer arguments (ILP64)

_lock = threading.RLock()
_found = None  # the (library, suffix) pair once searched, False when there is none
_gemm = {}  # dtype → ctypes function


def _openblas_paths() -> list[str]:
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:  # pragma: no cover - no procfs
        return []


def library():
    """(ctypes library, symbol prefix, symbol suffix) of the OpenBLAS NumPy loaded, or None."""
    global _found
    if _found is None:
        with _lock:
            if _found is None:
                _found = _search() or False
    return _found or None


def _search():
    for path in _openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover - unreadable mapping
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                if hasattr(lib, f"{prefix}cblas_sgemm{suffix}"):
                    return lib, prefix, suffix
    return None


def symbol(name: str):
    """The library's function ``name`` with its prefix/suffix (``cblas_dgemm`` →
    ``scipy_cblas_dgemm64_``), or None."""
    found = library()
    if found is None:
        return None
    lib, prefix, suffix = found
    return getattr(lib, f"{prefix}{name}{suffix}", None)


def core_name() -> str | None:
    """The CPU kernels OpenBLAS chose on this machine ("SkylakeX", "Haswell", ...), or None."""
    function = symbol("openblas_get_corename")
    if function is None:
        return None
    function.restype, function.argtypes = ctypes.c_char_p, []
    name = function()
    return name.decode() if name else None


def _function(dtype):
    if dtype in _gemm:
        return _gemm[dtype]
    found = library()
    with _lock:  # set the signature once, before any thread calls it
        if dtype not in _gemm:
            _gemm[dtype] = _prepare(found, dtype)
    return _gemm[dtype]


def _prepare(found, dtype):
    function = None
    if found is not None:
        name = {np.dtype(np.float32): "cblas_sgemm", np.dtype(np.float64): "cblas_dgemm"}[dtype]
        function = symbol(name)
        if function is not None:
            integer = ctypes.c_int64 if "64" in found[2] else ctypes.c_int
            real = ctypes.c_float if dtype == np.float32 else ctypes.c_double
            pointer, enum = ctypes.c_void_p, ctypes.c_int
            function.argtypes = [enum, enum, enum, integer, integer, integer, real, pointer]
            function.argtypes += [integer, pointer, integer, real, pointer, integer]
            function.restype = None
            function = function if _self_test(function, dtype) else None
    return function


def _self_test(function, dtype) -> bool:
    """One small product checked against NumPy: a wrong guess of the integer width or the
    symbol's meaning shows up here instead of as wrong gradients."""
    a = np.arange(1, 7, dtype=dtype).reshape(3, 2)
    b = np.arange(1, 9, dtype=dtype).reshape(2, 4)
    out = np.ones((3, 4), dtype=dtype)
    _call(function, a, b, out, False, False, 1.0, _leading(a, b, out))
    return bool(np.array_equal(out, a @ b + 1))


def usable(*arrays) -> bool:
    """True when ``gemm`` can take these arrays: NumPy, one float32 or float64 dtype, and a
    BLAS library was found."""
    first = arrays[0]
    if type(first).__module__ != "numpy" or first.dtype not in (np.float32, np.float64):
        return False
    if any(type(a).__module__ != "numpy" or a.dtype != first.dtype for a in arrays[1:]):
        return False
    return _function(first.dtype) is not None


def _rows(matrix, name: str) -> int:
    """The leading dimension of a 2-D array whose rows are contiguous runs."""
    if matrix.ndim != 2:
        raise ValueError(f"gemm: {name} must be 2-D, got shape {matrix.shape}")
    (count, length), (step, item), size = matrix.shape, matrix.strides, matrix.itemsize
    if count <= 1 or length == 0:  # the distance to a next row is never used
        step = max(1, length) * size
    if count and length > 1 and item != size or step % size or step // size < length:
        raise ValueError(
            f"gemm: {name} must have contiguous rows that do not overlap, got shape "
            f"{matrix.shape} with strides {matrix.strides}"
        )
    return max(1, step // size)


def gemm(a, b, out, *, trans_a: bool = False, trans_b: bool = False, accumulate: bool = False):
    """``out = op(a) @ op(b)``, or ``out += op(a) @ op(b)`` with ``accumulate``, in place, where
    op transposes when asked. Each matrix may be a view with contiguous rows and any row
    distance (a band of rows or a block of columns of a larger array). Check ``usable`` first.
    """
    function = _function(out.dtype) if usable(a, b, out) else None
    if function is None:
        raise TypeError("gemm: needs float32/float64 NumPy arrays of one dtype and a BLAS library")
    leading = _leading(a, b, out)
    rows_a, inner_a = a.shape[::-1] if trans_a else a.shape
    inner_b, cols_b = b.shape[::-1] if trans_b else b.shape
    if inner_a != inner_b or out.shape != (rows_a, cols_b):
        raise ValueError(
            f"gemm: op(a) {(rows_a, inner_a)} @ op(b) {(inner_b, cols_b)} does not give out "
            f"{out.shape}"
        )
    if not out.flags.writeable:
        raise ValueError("gemm: out must be writeable")
    _call(function, a, b, out, trans_a, trans_b, 1.0 if accumulate else 0.0, leading)


def _leading(a, b, out) -> list[int]:
    return [_rows(matrix, name) for matrix, name in ((a, "a"), (b, "b"), (out, "out"))]


def _call(function, a, b, out, trans_a, trans_b, beta, leading):
    m, n = out.shape
    k = a.shape[0] if trans_a else a.shape[1]
    if m == 0 or n == 0:
        return
    lda, ldb, ldc = leading
    function(
        _ROW_MAJOR,
        _TRANS if trans_a else _NO_TRANS,
        _TRANS if trans_b else _NO_TRANS,
        m,
        n,
        k,
        1.0,
        a.ctypes.data,
        lda,
        b.ctypes.data,
        ldb,
        beta,
        out.ctypes.data,
        ldc,
    )
