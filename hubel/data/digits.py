"""The bundled 8x8 handwritten digits: small enough to train on in seconds, no download.

Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository (1998), https://doi.org/10.24432/C50P49, licensed CC BY 4.0. The 1,797
images (the set scikit-learn ships as ``load_digits``) are 8x8 counts of set pixels in 4x4 blocks
of 32x32 bitmaps: uint8 values 0..16, hence ``ToFloat(max_value=16)``.

The train/test split is fixed, so results are comparable across runs and machines: under
``np.random.default_rng(SPLIT_SEED).permutation(1797)``, the first 36 images of each digit go to
the test set (360 images, stratified: 36 per class) and the other 1,437 to the train set. Both
keep the file's original order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hubel.data.dataset import TensorDataset

DIGITS_PATH = Path(__file__).with_name("digits.npz")
SPLIT_SEED = 1797
TEST_PER_CLASS = 36
CLASSES = tuple(str(digit) for digit in range(10))

Split = tuple[np.ndarray, np.ndarray]


@functools.cache
def load_digits() -> tuple[Split, Split]:
    """The fixed split ``((train_images, train_labels), (test_images, test_labels))``.

    Images: uint8 ``(N, 8, 8)`` with values 0..16; labels: int64 ``(N,)`` in 0..9; N is 1,437
    (train) and 360 (test). The arrays are read-only (shared between callers): copy to edit.
    """
    with np.load(DIGITS_PATH) as archive:
        images, labels = archive["images"], archive["labels"].astype(np.int64)
    order = np.random.default_rng(SPLIT_SEED).permutation(labels.size)
    is_test = np.zeros(labels.size, dtype=bool)
    for digit in range(len(CLASSES)):
        is_test[order[labels[order] == digit][:TEST_PER_CLASS]] = True
    splits = ((images[~is_test], labels[~is_test]), (images[is_test], labels[is_test]))
    for split in splits:
        for array in split:
            array.flags.writeable = False
    return splits


class Digits(TensorDataset):
    """The bundled digits as a dataset of ``(image, label)``.

    Items: image uint8 ``(1, 8, 8)`` (NCHW, one channel, values 0..16), label int64.
    ``transform`` acts on batches ``(B, 1, 8, 8)``, e.g. ``Compose([ToFloat(16), Flatten()])``
    for an MLP.
    """

    max_value = 16
    classes = CLASSES

    def __init__(self, train: bool = True, transform: Callable | None = None) -> None:
        if not isinstance(train, bool):
            raise TypeError(f"train: expected True or False, got {train!r}")
        images, labels = load_digits()[0 if train else 1]
        super().__init__(images[:, None], labels, transform=transform)
        self.train = train
