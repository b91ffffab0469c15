"""Batch norm's and ReLU's passes as compiled loops (numba, the ``fast`` extra): each reads its
operands once and writes once, spread over the threads. The NumPy kernels (``norm.py``,
``relu.py``) make a pass per operation and a temporary per pass; these do the whole formula
per element while it is in a register. Imported only through ``jit.py``.

Batch norm works on the (M, C) matrix of a channels-last feature map (``norm.py``'s view):

- ``channel_sums``: Σ (x - x₀) and Σ (x - x₀)² per channel in float64, x₀ the first row: one
  pass for mean and variance, the shift keeping Σx² - (Σx)²/M from cancelling when |μ| ≫ σ.
- ``affine``: y = (x - μ)·scale + β per channel (not x·scale + (β - μ·scale), whose two large
  terms cancel in float32 when |μ| ≫ σ; the pass is memory-bound, the extra subtraction free).
- ``grad_sums``: Σ g and Σ g·(x - μ) per channel, in float64.
- ``input_grad``: dL/dx = ((x - μ)·slope + g - mean_g)·scale per channel.
- ``scale_shift``: y = x·scale + shift, batch norm in eval mode.
- ``add_channels``: x += b per channel in place, a convolution's bias.

ReLU, on the flat memory of x (any layout, as long as y and the gradient share it):
``relu_forward`` y = max(x, 0), ``relu_backward`` dL/dx = 0 where y <= 0, else g.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_ROWS = 256  # rows of (M, C) per parallel item of the element-wise passes


@njit(parallel=True, fastmath=False, cache=True, boundscheck=False)
def channel_sums(x, partial):
    """partial[t] = (Σ (x - x₀), Σ (x - x₀)²) over thread t's rows of x (M, C)."""
    m, c = x.shape
    threads = partial.shape[0]
    for t in prange(threads):
        s1 = np.zeros(c, np.float64)
        s2 = np.zeros(c, np.float64)
        for r in range(t * m // threads, (t + 1) * m // threads):
            for j in range(c):
                d = np.float64(x[r, j]) - np.float64(x[0, j])
                s1[j] += d
                s2[j] += d * d
        partial[t, 0] = s1
        partial[t, 1] = s2


@njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
def affine(x, mean, scale, bias, y):
    """y = (x - μ)·scale + β, per channel of x (M, C)."""
    m, c = x.shape
    for block in prange((m + _ROWS - 1) // _ROWS):
        for r in range(block * _ROWS, min(m, (block + 1) * _ROWS)):
            for j in range(c):
                y[r, j] = (x[r, j] - mean[j]) * scale[j] + bias[j]


@njit(parallel=True, fastmath=False, cache=True, boundscheck=False)
def grad_sums(g, x, mean, partial):
    """partial[t] = (Σ g, Σ g·(x - μ)) over thread t's rows."""
    m, c = x.shape
    threads = partial.shape[0]
    for t in prange(threads):
        s1 = np.zeros(c, np.float64)
        s2 = np.zeros(c, np.float64)
        for r in range(t * m // threads, (t + 1) * m // threads):
            for j in range(c):
                gv = np.float64(g[r, j])
                s1[j] += gv
                s2[j] += gv * (np.float64(x[r, j]) - mean[j])
        partial[t, 0] = s1
        partial[t, 1] = s2


@njit(parallel=True, fastmath=True, cache=True, boundscheck=False)
def input_grad(g, x, mean, slope, mean_g, scale, out):
    """out = ((x - μ)·slope + g - mean_g)·scale, per channel."""
    m, c = x.shape
    for block in prange((m + _ROWS - 1) // _ROWS):
        for r in range(block * _ROWS, min(m, (block + 1) * _ROWS)):
            for j in range(c):
                out[r, j] = ((x[r, j] - mean[j]) * slope[j] + g[r, j] - mean_g[j]) * scale[j]


@njit(parallel=True, fastmath=False, cache=True, boundscheck=False)
def scale_shift(x, scale, shift, y):
    """y = x·scale + shift per channel of x (M, C): batch norm with running statistics, the
    reference's two roundings (no fused multiply-add), in one pass."""
    m, c = x.shape
    for block in prange((m + _ROWS - 1) // _ROWS):
        for r in range(block * _ROWS, min(m, (block + 1) * _ROWS)):
            for j in range(c):
                y[r, j] = x[r, j] * scale[j] + shift[j]


@njit(parallel=True, fastmath=False, cache=True, boundscheck=False)
def add_channels(x, bias):
    """x += bias per channel of x (M, C), in place: a convolution's bias in one pass."""
    m, c = x.shape
    for block in prange((m + _ROWS - 1) // _ROWS):
        for r in range(block * _ROWS, min(m, (block + 1) * _ROWS)):
            for j in range(c):
                x[r, j] += bias[j]


_CHUNK = 1 << 14  # elements per parallel item of ReLU


# The ReLU loops run over a slice of each block from 0, not over i in range(start, stop): LLVM
# vectorizes the first and not the second (relu_forward on 3 MiB, one thread: 0.08 ms against
# 0.99, and NumPy's 0.38, on an AMD Zen 4 core).


@njit(parallel=True, cache=True, boundscheck=False)
def relu_forward(x, y):
    """y = max(x, 0) as NumPy's maximum gives it: NaN stays NaN, -0 becomes 0."""
    n = x.size
    for block in prange((n + _CHUNK - 1) // _CHUNK):
        start = block * _CHUNK
        stop = min(n, start + _CHUNK)
        xs, ys = x[start:stop], y[start:stop]
        for i in range(stop - start):
            v = xs[i]
            ys[i] = 0 if v <= 0 else v  # NaN fails v <= 0: stays; -0 passes it: becomes 0


@njit(parallel=True, cache=True, boundscheck=False)
def relu_backward(g, y, out):
    """out = 0 where y <= 0, else g: the reference's select (NaN y passes g on; an infinite g
    where y <= 0 gives 0)."""
    n = g.size
    zero = g.dtype.type(0)
    for block in prange((n + _CHUNK - 1) // _CHUNK):
        start = block * _CHUNK
        stop = min(n, start + _CHUNK)
        gs, ys, outs = g[start:stop], y[start:stop], out[start:stop]
        for i in range(stop - start):
            outs[i] = zero if ys[i] <= 0 else gs[i]


@njit(parallel=True, cache=True)
def warm_up(x):
    """A parallel loop that does nothing useful: running it loads numba's threading layer
    (``jit.py`` does, at the moment it chooses)."""
    for i in prange(x.size):
        x[i] = 0
