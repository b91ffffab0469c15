"""Map-style datasets: ``len(dataset)`` items, ``dataset[i]`` one of them.

A dataset held in arrays (:class:`TensorDataset`, and through it Digits and CIFAR10) also has
``get_batch(indices, rng)``: one fancy index per array gathers a whole batch, and its transform
runs once on that batch. :func:`fetch_batch` is the one place that picks between that fast path
and the generic one (``dataset[i]`` per item, then stacked).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hubel.data._random import check_seed, make_generator
from hubel.data.transforms import apply_transform


class Dataset(abc.ABC):
    """Abstract map-style dataset: subclasses define ``__len__`` and ``__getitem__``."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """Number of items."""

    @abc.abstractmethod
    def __getitem__(self, index: int) -> Any:
        """Item ``index``, usually a tuple ``(input, label)``."""


def _as_array(value: Any, name: str) -> np.ndarray:
    """A NumPy array from an array, a hubel Tensor (anything with ``.numpy()``) or a number."""
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray | np.generic):
        value = value.detach().numpy()
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(
            f"{name}: expected numbers, an array or a Tensor, got {type(value).__name__}"
        )
    return array


def check_index(index: object, length: int) -> int:
    """``index`` as a non-negative int below ``length`` (negative counts from the end)."""
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"index: expected an int, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index: expected -{length} <= index < {length}, got {index}")
    return int(index) % length


class TensorDataset(Dataset):
    """Arrays (or Tensors) sharing their first dimension N; item i is ``(a[i] for a in arrays)``.

    ``transform`` (optional) acts on the first array, one batch at a time: the loader gathers
    ``arrays[0][indices]`` (e.g. ``(B, C, H, W)`` uint8) and transforms that batch. The arrays
    are kept as given (NumPy's dtype is preserved; no copy).
    """

    def __init__(self, *arrays: Any, transform: Callable | None = None) -> None:
        if not arrays:
            raise ValueError("arrays: expected at least one array, got none")
        self.arrays = tuple(_as_array(a, f"arrays[{i}]") for i, a in enumerate(arrays))
        for position, array in enumerate(self.arrays):
            if array.ndim == 0:
                raise ValueError(f"arrays[{position}]: expected at least 1 dimension, got a scalar")
        sizes = [array.shape[0] for array in self.arrays]
        if len(set(sizes)) != 1:
            raise ValueError(
                f"{type(self).__name__}: every array needs the same size in dimension 0, "
                f"got sizes {sizes}"
            )
        if transform is not None and not callable(transform):
            raise TypeError(
                f"transform: expected a callable or None, got {type(transform).__name__}"
            )
        self.transform = transform

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        index = check_index(index, len(self))
        return tuple(array[0] for array in self.get_batch(np.array([index])))

    def get_batch(
        self, indices: np.ndarray, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, ...]:
        """Items ``indices`` (shape ``(B,)``) as arrays ``(B, ...)``: one fancy index per array,
        then ``transform`` on the first with ``rng``."""
        batch = tuple(array[indices] for array in self.arrays)
        if self.transform is None:
            return batch
        return (apply_transform(self.transform, batch[0], rng), *batch[1:])


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order; batched when the dataset is."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        length = len(dataset)
        if self.indices.size and not (0 <= self.indices.min() and self.indices.max() < length):
            raise ValueError(
                f"indices: expected values in [0, {length}) for a dataset of {length} items, "
                f"got values from {self.indices.min()} to {self.indices.max()}"
            )

    def __len__(self) -> int:
        return self.indices.size

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[check_index(index, len(self))])]

    def get_batch(
        self, indices: np.ndarray, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, ...]:
        """Items ``indices`` of the subset, gathered from the underlying dataset."""
        return fetch_batch(self.dataset, self.indices[indices], rng)


def fetch_batch(
    dataset: Dataset, indices: np.ndarray, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, ...]:
    """Items ``indices`` of ``dataset`` as a tuple of arrays ``(B, ...)``.

    Datasets with ``get_batch`` answer with one gather per array; others are asked item by item
    and each field is stacked (items that are not tuples count as one field).
    """
    get_batch = getattr(dataset, "get_batch", None)
    if get_batch is not None:
        return tuple(get_batch(indices, rng))
    items = [dataset[int(index)] for index in indices]
    fields = zip(*items, strict=True) if items and isinstance(items[0], tuple) else [items]
    return tuple(
        np.stack([_as_array(value, f"dataset[{int(indices[0])}]") for value in field])
        for field in fields
    )


def _split_sizes(lengths: Sequence[float], total: int) -> list[int]:
    """Integer sizes from ``lengths``: counts summing to ``total``, or fractions summing to 1."""
    lengths = list(lengths)
    if not lengths or any(isinstance(x, bool) or not isinstance(x, int | float) for x in lengths):
        raise TypeError(f"lengths: expected a non-empty list of ints or fractions, got {lengths!r}")
    if any(x < 0 for x in lengths):
        raise ValueError(f"lengths: expected non-negative values, got {lengths}")
    if all(isinstance(x, int) for x in lengths):
        if sum(lengths) != total:
            raise ValueError(
                f"lengths: expected counts summing to len(dataset) = {total}, "
                f"got {lengths} summing to {sum(lengths)}"
            )
        return lengths
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-9):
        raise ValueError(
            f"lengths: expected fractions summing to 1, got {lengths} summing to {sum(lengths)}"
        )
    # As PyTorch: floor each share, then hand the remainder out one at a time from the first.
    sizes = [math.floor(total * fraction) for fraction in lengths]
    for position in range(total - sum(sizes)):
        sizes[position % len(sizes)] += 1
    return sizes


def random_split(
    dataset: Dataset,
    lengths: Sequence[float],
    generator: np.random.Generator | None = None,
    seed: int | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given ``lengths``.

    ``lengths``: counts summing to ``len(dataset)``, or fractions summing to 1. The permutation
    comes from ``generator``, else a generator seeded with ``seed``, else one seeded from
    hubel's global generator (so ``hb.manual_seed`` pins it).
    """
    if generator is not None and seed is not None:
        raise ValueError("random_split: expected generator or seed, got both")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator: expected a numpy.random.Generator, got {type(generator).__name__}"
        )
    sizes = _split_sizes(lengths, len(dataset))
    rng = generator if generator is not None else make_generator(seed)
    order = rng.permutation(len(dataset))
    ends = np.cumsum(sizes)
    return [Subset(dataset, order[end - size : end]) for size, end in zip(sizes, ends, strict=True)]


def train_val_split(
    dataset: Dataset, val_fraction: float = 0.1, seed: int = 0
) -> tuple[Subset, Subset]:
    """Hold out ``round(val_fraction * len(dataset))`` random items for validation.

    The default ``seed=0`` keeps the validation set the same across runs and resumed runs.
    Returns ``(train, val)``.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction: expected a fraction in (0, 1), got {val_fraction!r}")
    check_seed(seed)
    total = len(dataset)
    val_size = round(val_fraction * total)
    if not 0 < val_size < total:
        raise ValueError(
            f"val_fraction: {val_fraction} of {total} items leaves an empty train or "
            f"validation set ({total - val_size} / {val_size})"
        )
    train, val = random_split(dataset, [total - val_size, val_size], seed=seed)
    return train, val
