"""The bundled digits: a fixed, stratified split that never changes."""

import hashlib

import numpy as np
import pytest

from hubel.data import Digits, load_digits
from hubel.data.digits import DIGITS_PATH


def _fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    return hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:16]


def test_split_is_stratified_1437_train_360_test():
    (train_images, train_labels), (test_images, test_labels) = load_digits()
    assert train_images.shape == (1437, 8, 8) and test_images.shape == (360, 8, 8)
    assert train_images.dtype == np.uint8 and train_labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(test_labels), [36] * 10)
    assert train_images.max() == 16 and train_images.min() == 0


def test_split_partitions_the_file():
    (train_images, train_labels), (test_images, test_labels) = load_digits()
    with np.load(DIGITS_PATH) as archive:
        everything = sorted(zip(archive["images"].reshape(-1, 64).tolist(), archive["labels"]))
    images = np.concatenate([train_images, test_images]).reshape(-1, 64).tolist()
    labels = np.concatenate([train_labels, test_labels])
    assert sorted(zip(images, labels)) == everything


def test_split_never_changes():
    (train_images, train_labels), (test_images, test_labels) = load_digits()
    assert _fingerprint(test_images, test_labels) == "4326bca172975f52"
    assert _fingerprint(train_images, train_labels) == "b51412f65012bdc9"


def test_shared_arrays_are_read_only():
    train_images = load_digits()[0][0]
    with pytest.raises(ValueError, match="read-only"):
        train_images[0, 0, 0] = 1


def test_digits_dataset_items_are_nchw_uint8_with_int64_labels():
    test = Digits(train=False)
    image, label = test[-1]
    assert len(test) == 360 and image.shape == (1, 8, 8) and image.dtype == np.uint8
    assert label == load_digits()[1][1][-1] and label.dtype == np.int64
    assert test.classes[3] == "3"
    with pytest.raises(TypeError, match="train: expected True or False, got 1"):
        Digits(train=1)
