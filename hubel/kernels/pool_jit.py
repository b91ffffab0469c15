"""Max pooling as compiled loops (numba, the ``fast`` extra), behind ``pool.py``: one pass over
the input for the maxima and their taps, one over the gradient for the backward; the padding is
never built (taps outside the image are skipped, which is what -inf padding amounts to).
Imported only through ``jit.py``.

PyTorch's rules, as the reference: the window's taps in row-major order k = i·F_w + j, a tap
replaces the max when it is larger (ties keep the first) or NaN (the last NaN wins); the first
tap inside the image starts the window, so a window of -inf points at it.
"""

from __future__ import annotations

from numba import njit, prange

from .pointwise_jit import warm_up  # noqa: F401  (jit.py starts the pool with it)


@njit(parallel=True, cache=True, boundscheck=False)
def max_forward(x, out, arg, kh, kw, sh, sw, dh, dw, top, left):
    """out[n, y, q, c] = max over the window of output (y, q) of x (N, H, W, C) (any strides),
    arg = its tap; out, arg (N, H_out, W_out, C)."""
    n, h, w, c = x.shape
    ho, wo = out.shape[1], out.shape[2]
    for r in prange(n * ho):
        i = r // ho
        y = r - i * ho
        for q in range(wo):
            first = True
            for a in range(kh):
                yy = y * sh - top + a * dh
                if yy < 0 or yy >= h:
                    continue
                for b in range(kw):
                    xx = q * sw - left + b * dw
                    if xx < 0 or xx >= w:
                        continue
                    k = a * kw + b
                    if first:
                        for ch in range(c):
                            out[i, y, q, ch] = x[i, yy, xx, ch]
                            arg[i, y, q, ch] = k
                        first = False
                        continue
                    for ch in range(c):
                        v = x[i, yy, xx, ch]
                        m = out[i, y, q, ch]
                        wins = v > m or v != v
                        out[i, y, q, ch] = v if wins else m
                        arg[i, y, q, ch] = k if wins else arg[i, y, q, ch]


@njit(parallel=True, cache=True, boundscheck=False)
def max_backward(g, arg, out, kh, kw, sh, sw, dh, dw, top, left, add):
    """dL/dx (N, H, W, C) from G and the taps (N, H_out, W_out, C): each window's gradient
    goes to its max's cell, as G·[tap = k] (the reference's product: an infinite G gives NaN
    at the other cells too). ``add``: windows overlap, so cells sum what they get, tap by tap
    as the reference's col2im (out zeros on entry); else each tap's cells are written (cells
    under no window zero on entry). Images in parallel: overlapping windows never race."""
    n, h, w, c = out.shape
    ho, wo = g.shape[1], g.shape[2]
    for i in prange(n):
        for a in range(kh):
            for b in range(kw):
                k = a * kw + b
                for y in range(ho):
                    yy = y * sh - top + a * dh
                    if yy < 0 or yy >= h:
                        continue
                    for q in range(wo):
                        xx = q * sw - left + b * dw
                        if xx < 0 or xx >= w:
                            continue
                        if add:
                            for ch in range(c):
                                hit = 1 if arg[i, y, q, ch] == k else 0
                                out[i, yy, xx, ch] += g[i, y, q, ch] * hit
                        else:
                            for ch in range(c):
                                hit = 1 if arg[i, y, q, ch] == k else 0
                                out[i, yy, xx, ch] = g[i, y, q, ch] * hit
