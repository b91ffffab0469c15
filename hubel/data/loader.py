"""DataLoader: batches of a dataset as tuples of hubel Tensors, shuffled reproducibly.

Every epoch: (1) if ``shuffle``, draw a permutation of the N indices from the loader's own
generator; (2) cut it into batches of ``batch_size``; (3) gather each batch at once (one fancy
index per array for array-backed datasets), run the dataset's and then the loader's transform on
the inputs with the same generator; (4) wrap each array as a Tensor.

Because the permutation and the augmentation both come from one generator, ``state_dict()``
taken between two batches says exactly where the run stands: ``load_state_dict`` on a fresh
loader over the same dataset yields the remaining batches bit-for-bit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from hubel.data._random import check_seed, make_generator
from hubel.data.dataset import fetch_batch
from hubel.data.transforms import apply_transform
from hubel.tensor import from_numpy

_STATE_KEYS = ("generator", "epoch_start", "batches_done")


def _to_tensor(array: np.ndarray) -> Any:
    # Integer vectors are class labels: the losses expect int64.
    if array.ndim == 1 and np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.int64, copy=False)
    return from_numpy(np.ascontiguousarray(array))


class DataLoader:
    """Iterate over ``dataset`` in batches: each a tuple of ``hb.Tensor`` ``(B, ...)``.

    Args:
        dataset: a :class:`~hubel.data.Dataset` (anything with ``__len__`` and ``__getitem__``).
        batch_size: items per batch; the last batch is smaller unless ``drop_last``.
        shuffle: draw a new order every epoch (else 0, 1, ..., N-1).
        drop_last: drop the last batch if it has fewer than ``batch_size`` items.
        seed: seeds the loader's generator; ``None`` draws the seed from hubel's global generator.
        transform: a batch transform applied to the first field (the inputs) after the
            dataset's own transform.

    ``len(loader)`` is the number of batches per epoch. One iteration at a time: starting a new
    ``for`` loop abandons an unfinished epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        transform: Callable | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"dataset: expected a Dataset (with __len__ and __getitem__), "
                f"got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(f"batch_size: expected a positive int, got {type(batch_size).__name__}")
        if batch_size <= 0:
            raise ValueError(f"batch_size: expected a positive int, got {batch_size}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}: expected True or False, got {flag!r}")
        if transform is not None and not callable(transform):
            raise TypeError(
                f"transform: expected a callable or None, got {type(transform).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.transform = transform
        self.generator = make_generator(check_seed(seed))
        self._epoch_start: dict | None = None  # generator state before this epoch's permutation
        self._batches_done = 0
        self._resume = False

    def __len__(self) -> int:
        count, remainder = divmod(len(self.dataset), self.batch_size)
        return count + (1 if remainder and not self.drop_last else 0)

    def _order(self) -> np.ndarray:
        count = len(self.dataset)
        return self.generator.permutation(count) if self.shuffle else np.arange(count)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        bit_generator = self.generator.bit_generator
        if self._resume:
            # Replay the interrupted epoch's permutation, then continue from the saved stream.
            current = bit_generator.state
            bit_generator.state = self._epoch_start
            order = self._order()
            bit_generator.state = current
            self._resume = False
        else:
            self._epoch_start = copy.deepcopy(bit_generator.state)
            self._batches_done = 0
            order = self._order()
        batches = len(self)
        for batch in range(self._batches_done, batches):
            indices = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            arrays = fetch_batch(self.dataset, indices, self.generator)
            if self.transform is not None:
                arrays = (apply_transform(self.transform, arrays[0], self.generator), *arrays[1:])
            # Record progress before yielding: a state_dict taken while the caller holds this
            # batch must resume at the next one (after the last batch: at the next epoch).
            self._batches_done = batch + 1
            if self._batches_done == batches:
                self._epoch_start = None
            yield tuple(_to_tensor(array) for array in arrays)

    def state_dict(self) -> dict:
        """Where the loader stands: its generator state, and the current epoch's start state
        and batch count (``epoch_start`` is ``None`` between epochs). Plain dicts and ints."""
        return {
            "generator": copy.deepcopy(self.generator.bit_generator.state),
            "epoch_start": copy.deepcopy(self._epoch_start),
            "batches_done": self._batches_done if self._epoch_start is not None else 0,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s result: the next iteration continues that epoch (or
        starts the next one if it was taken between epochs)."""
        if not isinstance(state, dict) or set(state) != set(_STATE_KEYS):
            given = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state: expected a dict with keys {list(_STATE_KEYS)}, got {given}")
        batches_done = state["batches_done"]
        if not isinstance(batches_done, int) or not 0 <= batches_done <= len(self):
            raise ValueError(
                f"state['batches_done']: expected an int in [0, {len(self)}], got {batches_done!r}"
            )
        self.generator.bit_generator.state = copy.deepcopy(state["generator"])
        self._epoch_start = copy.deepcopy(state["epoch_start"])
        self._batches_done = batches_done
        self._resume = self._epoch_start is not None
