"""Resizing feature maps: nearest-neighbour and (bi)linear interpolation, as
``torch.nn.functional.interpolate``. Each output cell reads input cells at computed positions
(``getitem`` with index arrays) and mixes them with fixed weights, so the gradient flows back to
exactly the cells that were read."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from .shape import getitem

MODES = {"nearest": (3, 4, 5), "linear": (3,), "bilinear": (4,)}


def _output_sizes(input: Tensor, size, scale_factor) -> tuple[list[int], list[float | None]]:
    spatial = input.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = [size] * len(spatial) if isinstance(size, numbers.Integral) else list(size)
        if len(sizes) != len(spatial) or any(s < 1 for s in sizes):
            raise ValueError(
                f"interpolate: size must be {len(spatial)} positive ints for input "
                f"{input.shape}, got {size!r}"
            )
        return [int(s) for s in sizes], [None] * len(spatial)
    factors = (
        [scale_factor] * len(spatial)
        if isinstance(scale_factor, numbers.Real)
        else list(scale_factor)
    )
    if len(factors) != len(spatial) or any(f <= 0 for f in factors):
        raise ValueError(
            f"interpolate: scale_factor must be {len(spatial)} positive numbers for input "
            f"{input.shape}, got {scale_factor!r}"
        )
    return [int(math.floor(n * f)) for n, f in zip(spatial, factors)], [float(f) for f in factors]


def _source_positions(size_in: int, size_out: int, factor, align_corners: bool) -> np.ndarray:
    """Where output cell j reads the input, in input coordinates (PyTorch's formulas)."""
    j = np.arange(size_out, dtype=np.float64)
    if align_corners:
        return j * ((size_in - 1) / (size_out - 1) if size_out > 1 else 0.0)
    scale = 1 / factor if factor is not None else size_in / size_out
    return np.maximum((j + 0.5) * scale - 0.5, 0.0)


def _along(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    return getitem(x, (slice(None),) * axis + (index,))


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size``
    (or by ``scale_factor``).

    ``nearest``: output cell j copies input cell floor(j · in/out). ``linear`` (3-D input) and
    ``bilinear`` (4-D): a weighted mean of the two neighbours on each axis, at position
    (j + 0.5) · in/out - 0.5, or j · (in - 1)/(out - 1) with ``align_corners=True``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {tuple(MODES)}, got {mode!r}")
    if input.ndim not in MODES[mode]:
        raise ShapeError(
            f"interpolate: mode={mode!r} expects input with {' or '.join(map(str, MODES[mode]))} "
            f"dimensions (N, C, ...), got {input.shape}"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to linear and bilinear modes")
    sizes, factors = _output_sizes(input, size, scale_factor)
    out = input
    for offset, (size_out, factor) in enumerate(zip(sizes, factors)):
        axis, size_in = 2 + offset, input.shape[2 + offset]
        if mode == "nearest":
            scale = 1 / factor if factor is not None else size_in / size_out
            source = np.minimum(np.floor(np.arange(size_out) * scale), size_in - 1)
            out = _along(out, axis, source.astype(np.int64))
            continue
        position = _source_positions(size_in, size_out, factor, bool(align_corners))
        low = np.minimum(np.floor(position).astype(np.int64), size_in - 1)
        high = np.minimum(low + 1, size_in - 1)
        weight = (position - low).reshape((-1,) + (1,) * (input.ndim - 1 - axis))
        weight = Tensor(weight.astype(input.dtype))
        out = _along(out, axis, low) * (1 - weight) + _along(out, axis, high) * weight
    return out
