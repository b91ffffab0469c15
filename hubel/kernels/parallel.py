"""Intra-op threads: the heaviest CPU ops split their work over the cores, as PyTorch's do.

NumPy runs every element-wise pass on one core, and OpenBLAS, which threads its matrix
products, keeps its idle workers spinning for a while after each product, so a second Python
thread gets no core to run on. hubel's convolutions therefore split a batch into one share per
thread themselves, run every step of a share (window extraction, matrix products, the adds
back) on that thread, and hold OpenBLAS to one thread meanwhile: both cores then work through
the memory-bound passes too, not only the products. NumPy releases the GIL inside its loops
and BLAS calls, so plain Python threads are enough.

    hb.set_num_threads(1)      # everything on the calling thread, as before
    hb.get_num_threads()       # default: the cores this process may use (HUBEL_NUM_THREADS)

Without a BLAS library whose threads can be limited at run time (OpenBLAS as NumPy's wheels
ship it), work is not split: running several multi-threaded products at once would only
oversubscribe the cores. CuPy arrays never go through here: a GPU has its own parallelism.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from . import blas

MIN_SHARE_BYTES = 4 << 20  # less work than this per thread is not worth handing over
PIECES_PER_THREAD = 2  # im2col work: pieces per thread, taken in turn (balances a late thread)
BLOCK_BYTES = 512 << 10  # a block of a chain of passes: its few operands stay in cache

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_blas = None  # (get, set) ctypes functions of the loaded OpenBLAS, False when none is found
_inside = threading.local()  # set while a thread runs a share: nested calls stay serial


def _default_threads() -> int:
    value = os.environ.get("HUBEL_NUM_THREADS", "")
    if value.strip():
        try:
            return max(1, int(value))
        except ValueError:
            raise ValueError(
                f"HUBEL_NUM_THREADS must be a positive integer, got {value!r}"
            ) from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_num_threads = _default_threads()


def get_num_threads() -> int:
    """How many threads hubel's split ops use (the caller's included)."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (>= 1) for hubel's split ops; 1 runs everything on the caller."""
    global _num_threads
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be an int >= 1, got {n!r}")
    _num_threads = n


def _find_blas():
    """The OpenBLAS thread-count functions of the library NumPy loaded, or None."""
    get = blas.symbol("openblas_get_num_threads")
    put = blas.symbol("openblas_set_num_threads")
    if get is None or put is None:
        return None
    get.restype, put.restype, put.argtypes = ctypes.c_int, None, [ctypes.c_int]
    return get, put


def _blas_functions():
    global _blas
    if _blas is None:
        _blas = _find_blas() or False
    return _blas


_held = [0, 1]  # [blocks open, OpenBLAS's thread count before the first]


# A matrix product under this many multiply-adds runs on one BLAS thread (``product_threads``).
SMALL_PRODUCT_MACS = 64 << 20


def product_threads(macs: int):
    """The context for one matrix product of ``macs`` multiply-adds on the calling thread: one
    BLAS thread for a small product, OpenBLAS's own threads otherwise.

    OpenBLAS splits even a (1, 512) x (512, 1000) product over its threads, which saves next to
    nothing, and then its second thread spins for about 0.1 s waiting for more work, taking a
    core from whatever runs next (the compiled kernels above all): ResNet-18 at batch 1 took
    112 ms with its 1x1 convolutions on two BLAS threads, 55 with them on one, 42 with its
    classifier on one too. Larger products, where the second thread pays (the homework MLP's
    first layer, 805 M multiply-adds at batch 256), keep it."""
    if macs < SMALL_PRODUCT_MACS and _blas_functions():
        return single_threaded_blas()
    return contextlib.nullcontext()


@contextlib.contextmanager
def single_threaded_blas():
    """Hold OpenBLAS to one thread inside the block (each share's products run on its own
    thread), then give back the previous count; safe when several user threads enter."""
    get, put = _blas_functions()
    with _lock:
        if _held[0] == 0:
            _held[1] = get()
            put(1)
        _held[0] += 1
    try:
        yield
    finally:
        with _lock:
            _held[0] -= 1
            if _held[0] == 0:
                put(_held[1])


def _executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="hubel")
            _pool_size = workers
        return _pool


def over_batch(function, array, blocked: bool = False) -> list:
    """``function(s)`` for slices ``s`` of ``array``'s first axis, one share per thread (one
    slice, the whole axis, when the array is under two ``MIN_SHARE_BYTES`` or splitting is off;
    ``function(...)`` for a 0-d or non-NumPy array). For element-wise passes and per-image work
    on (N, ...) arrays. Returns the results.

    ``blocked``: walk each share in slices of about ``BLOCK_BYTES`` of ``array`` instead, so
    that a chain of passes inside ``function`` (write a temporary, read it back, update it in
    place) finds each block's operands still in cache instead of going back to memory for
    every pass: NumPy's stand-in for a fused kernel. Results come back one per block.
    """
    if array.ndim == 0 or type(array).__module__ != "numpy":
        return [function(...)]
    n = array.shape[0]
    per_block = max(1, BLOCK_BYTES * n // max(1, array.nbytes)) if blocked else n

    def walk(share):
        stops = range(share.start, share.stop, per_block)
        return [function(slice(i, min(i + per_block, share.stop))) for i in stops]

    if array.nbytes < 2 * MIN_SHARE_BYTES or _threads_available() <= 1:
        return walk(slice(0, n))
    parts = run(walk, shares(n, -(-MIN_SHARE_BYTES * n // array.nbytes)))
    return [result for part in parts for result in part]


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: start a new pool when needed."""
    global _pool, _pool_size, _lock
    _pool, _pool_size, _held[0], _lock = None, 0, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def shares_of(total: int, item_bytes: int, per_thread: int = 1) -> list[slice]:
    """``shares`` of ``total`` items of ``item_bytes`` bytes of work each, none smaller than
    ``MIN_SHARE_BYTES``."""
    return shares(total, -(-MIN_SHARE_BYTES // max(1, item_bytes)), per_thread)


def shares(total: int, minimum: int = 1, per_thread: int = 1) -> list[slice]:
    """Split ``range(total)`` into at most ``per_thread`` slices per thread, contiguous and of
    at least ``minimum`` items each (one slice when splitting is off or would not pay). More
    than one per thread lets ``run`` balance the load and lets one thread's memory-bound
    passes overlap another's matrix products."""
    threads = _threads_available()
    wanted = threads * per_thread if threads > 1 else 1
    parts = max(1, min(wanted, total // max(1, minimum)))
    step, extra = divmod(total, parts)
    out, start = [], 0
    for p in range(parts):
        stop = start + step + (p < extra)
        out.append(slice(start, stop))
        start = stop
    return out


def _threads_available() -> int:
    if _num_threads <= 1 or getattr(_inside, "active", False) or not _blas_functions():
        return 1
    return _num_threads


def run(function, items) -> list:
    """``[function(item) for item in items]``, the items spread over the threads, with
    OpenBLAS held to one thread meanwhile. The caller and ``get_num_threads() - 1`` pool threads
    each take the next item not yet taken until none is left, so more items than threads
    balance themselves. Results come back in order; the first exception (in item order) is
    raised after every thread has stopped."""
    items = list(items)
    workers = min(len(items), _threads_available())
    if workers <= 1:
        return [function(item) for item in items]
    results = [None] * len(items)
    errors = [None] * len(items)
    taken = itertools.count()  # next() on a count is atomic under the GIL

    def worker():
        _inside.active = True
        try:
            for index in iter(taken.__next__, None):
                if index >= len(items):
                    return
                try:
                    results[index] = function(items[index])
                except BaseException as error:  # noqa: BLE001 - re-raised by the caller
                    errors[index] = error
        finally:
            _inside.active = False

    with single_threaded_blas():
        futures = [_executor(_num_threads - 1).submit(worker) for _ in range(workers - 1)]
        try:
            worker()
        finally:
            wait(futures)
    for error in errors:
        if error is not None:
            raise error
    return results
