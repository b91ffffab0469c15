"""Batch transforms: each takes a whole batch ``(N, ...)`` and returns a new batch.

A transform runs once per batch, vectorised over the N images (never a Python loop over them),
and never writes into the array it is given, so a dataset's stored images stay untouched. Keep
images uint8 through the geometric transforms (cropping and flipping move 4x fewer bytes) and
convert with :class:`ToFloat` just before :class:`Normalize`.

Random transforms draw from the generator passed as ``rng``: the DataLoader passes its own, so
augmentation is reproducible and resumes bit-for-bit from a checkpoint. Called without one, they
draw from hubel's global generator (``hb.manual_seed``).

    transform = Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToFloat(),
                         Normalize(mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616))])
    batch = transform(images_uint8, rng=np.random.default_rng(0))   # (N, 3, 32, 32) float32
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hubel.data._random import global_generator

Layout = Literal["NCHW", "NHWC"]
_LAYOUTS = ("NCHW", "NHWC")


class Transform:
    """Base class: ``transform(images, rng=None) -> images`` on a whole batch ``(N, ...)``."""

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({fields})"


def apply_transform(
    transform: Callable, images: np.ndarray, rng: np.random.Generator | None
) -> np.ndarray:
    """Apply ``transform`` to a batch, passing ``rng`` if it is a :class:`Transform`."""
    if isinstance(transform, Transform):
        return transform(images, rng)
    return transform(images)


def check_layout(layout: object) -> Layout:
    """Return ``layout`` if it is "NCHW" or "NHWC"; raise naming the argument otherwise."""
    if layout not in _LAYOUTS:
        raise ValueError(f"layout: expected 'NCHW' or 'NHWC', got {layout!r}")
    return layout


def _check_images(images: object, owner: Transform, layout: Layout) -> np.ndarray:
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{owner!r}: expected a NumPy array, got {type(images).__name__}")
    if images.ndim != 4:
        expected = "(N, C, H, W)" if layout == "NCHW" else "(N, H, W, C)"
        raise ValueError(
            f"{owner!r}: expected a batch of images of shape {expected}, got shape {images.shape}"
        )
    return images


def _spatial_axes(layout: Layout) -> tuple[int, int]:
    return (2, 3) if layout == "NCHW" else (1, 2)


def _pair(value: object, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int | np.integer) else value
    if (
        not isinstance(pair, tuple | list)
        or len(pair) != 2
        or any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in pair)
    ):
        raise TypeError(f"{name}: expected an int or a pair of ints, got {value!r}")
    if min(pair) <= 0:
        raise ValueError(f"{name}: expected positive sizes, got {value!r}")
    return int(pair[0]), int(pair[1])


class Compose(Transform):
    """Apply ``transforms`` in order, all drawing from the same ``rng``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)
        for position, transform in enumerate(self.transforms):
            if not callable(transform):
                raise TypeError(
                    f"transforms[{position}]: expected a callable, got {type(transform).__name__}"
                )

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        for transform in self.transforms:
            images = apply_transform(transform, images, rng)
        return images


class ToFloat(Transform):
    """Integer pixels to float32 in [0, 1]: ``x / max_value``; any shape.

    ``max_value`` is 255 for uint8 photographs (CIFAR-10) and 16 for the bundled digits.
    """

    def __init__(self, max_value: float = 255.0) -> None:
        if not max_value > 0:
            raise ValueError(f"max_value: expected a positive number, got {max_value!r}")
        self.max_value = float(max_value)

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if not np.issubdtype(images.dtype, np.integer):
            raise TypeError(
                f"{self!r}: expected integer pixels (e.g. uint8), got dtype {images.dtype}; "
                "the batch is already floating point, so drop ToFloat"
            )
        # Divide (not multiply by 1/max): the same rounding as torchvision's ToTensor.
        return np.divide(images, np.float32(self.max_value), dtype=np.float32)


class Normalize(Transform):
    """Per-channel standardisation: ``(x - mean[c]) / std[c]``.

    Input: a floating batch whose channel axis is 1 (``layout="NCHW"``: ``(N, C, ...)``) or the
    last one (``layout="NHWC"``: ``(N, ..., C)``), C = ``len(mean)``. Output: same shape and
    dtype (float32 stays float32: the constants are cast to the batch's dtype).
    """

    def __init__(
        self, mean: Sequence[float], std: Sequence[float], layout: Layout = "NCHW"
    ) -> None:
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        self.layout = check_layout(layout)
        if self.mean.size != self.std.size:
            raise ValueError(
                f"std: expected one value per channel like mean ({self.mean.size}), "
                f"got {self.std.size}"
            )
        if self.mean.size == 0:
            raise ValueError("mean: expected at least one channel, got none")
        if not np.all(self.std > 0):
            raise ValueError(f"std: expected positive values, got {self.std.tolist()}")

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if not np.issubdtype(images.dtype, np.floating):
            raise TypeError(
                f"Normalize: expected a floating batch, got dtype {images.dtype}; "
                "put ToFloat() before Normalize"
            )
        axis = 1 if self.layout == "NCHW" else images.ndim - 1
        if images.ndim < 2 or images.shape[axis] != self.mean.size:
            raise ValueError(
                f"Normalize(layout={self.layout!r}): expected {self.mean.size} channels on axis "
                f"{axis}, got a batch of shape {images.shape}"
            )
        shape = [1] * images.ndim
        shape[axis] = self.mean.size
        mean = self.mean.astype(images.dtype).reshape(shape)
        std = self.std.astype(images.dtype).reshape(shape)
        out = images - mean
        out /= std  # in place: one temporary fewer
        return out


class RandomCrop(Transform):
    """Pad each image with ``padding`` zeros on every side, then cut a ``size`` window at a
    random offset drawn per image.

    Input ``(N, C, H, W)`` (or ``(N, H, W, C)`` with ``layout="NHWC"``), any dtype; output
    ``(N, C, size_h, size_w)`` (or NHWC), same dtype. Offsets: ``top ~ U{0..H + 2p - size_h}``
    for all N images, then ``left ~ U{0..W + 2p - size_w}``, both from ``rng.integers``.
    """

    def __init__(self, size: int | tuple[int, int], padding: int = 4, layout: Layout = "NCHW"):
        self.size = _pair(size, "size")
        if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
            raise ValueError(f"padding: expected a non-negative int, got {padding!r}")
        self.padding = padding
        self.layout = check_layout(layout)

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        images = _check_images(images, self, self.layout)
        rng = global_generator() if rng is None else rng
        h_axis, w_axis = _spatial_axes(self.layout)
        count, pad = images.shape[0], self.padding
        crop_h, crop_w = self.size
        padded_h, padded_w = images.shape[h_axis] + 2 * pad, images.shape[w_axis] + 2 * pad
        if crop_h > padded_h or crop_w > padded_w:
            raise ValueError(
                f"{self!r}: crop larger than the padded image ({padded_h}, {padded_w}) "
                f"of a batch of shape {images.shape}"
            )
        tops = rng.integers(0, padded_h - crop_h + 1, size=count)
        lefts = rng.integers(0, padded_w - crop_w + 1, size=count)
        if pad:
            shape = list(images.shape)
            shape[h_axis], shape[w_axis] = padded_h, padded_w
            padded = np.zeros(shape, dtype=images.dtype)
            inner = [slice(None)] * 4
            inner[h_axis] = slice(pad, pad + images.shape[h_axis])
            inner[w_axis] = slice(pad, pad + images.shape[w_axis])
            padded[tuple(inner)] = images
        else:
            padded = images
        # A strided view of every window (no copy), then one fancy index picks each image's own.
        # NCHW: windows (N, C, H', W', h, w)[n, :, top_n, left_n] -> (N, C, h, w).
        # NHWC: windows (N, H', W', C, h, w)[n, top_n, left_n] -> (N, C, h, w), moved to NHWC.
        windows = sliding_window_view(padded, (crop_h, crop_w), axis=(h_axis, w_axis))
        rows = np.arange(count)
        if self.layout == "NCHW":
            return np.ascontiguousarray(windows[rows, :, tops, lefts])
        return np.ascontiguousarray(windows[rows, tops, lefts].transpose(0, 2, 3, 1))


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability ``p``, drawn per image.

    Input ``(N, C, H, W)`` (or NHWC); output the same shape and dtype. Image n is flipped when
    ``rng.random(N)[n] < p``.
    """

    def __init__(self, p: float = 0.5, layout: Layout = "NCHW") -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p: expected a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.layout = check_layout(layout)

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        images = _check_images(images, self, self.layout)
        rng = global_generator() if rng is None else rng
        flip = rng.random(images.shape[0]) < self.p
        width_axis = _spatial_axes(self.layout)[1]
        out = images.copy()
        out[flip] = np.flip(images[flip], axis=width_axis)
        return out


class Flatten(Transform):
    """``(N, ...) -> (N, prod(...))``, for feeding images to an MLP."""

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if images.ndim < 1:
            raise ValueError("Flatten: expected a batch with a first dimension, got a scalar")
        return images.reshape(images.shape[0], -1)


class ToCHW(Transform):
    """Layout change ``(N, H, W, C) -> (N, C, H, W)``, contiguous."""

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        images = _check_images(images, self, "NHWC")
        return np.ascontiguousarray(images.transpose(0, 3, 1, 2))


class ToHWC(Transform):
    """Layout change ``(N, C, H, W) -> (N, H, W, C)``, contiguous."""

    def __call__(self, images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        images = _check_images(images, self, "NCHW")
        return np.ascontiguousarray(images.transpose(0, 2, 3, 1))
