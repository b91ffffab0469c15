"""Datasets: TensorDataset, Subset, random_split, train_val_split, the generic batch path."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hubel as hb
from hubel.data import Dataset, Subset, TensorDataset, random_split, train_val_split
from hubel.data.dataset import fetch_batch
from hubel.data.transforms import ToFloat


class Squares(Dataset):
    """A dataset with only __getitem__: item i is (array [i, i*i], i)."""

    def __len__(self):
        return 7

    def __getitem__(self, index):
        return np.array([index, index * index], dtype=np.float32), index


def test_dataset_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        Dataset()


def test_tensor_dataset_items_and_tensors_share_memory():
    inputs = np.arange(12, dtype=np.float32).reshape(4, 3)
    dataset = TensorDataset(hb.from_numpy(inputs), np.array([5, 6, 7, 8]))
    assert len(dataset) == 4
    x, y = dataset[-1]
    np.testing.assert_array_equal(x, [9, 10, 11])
    assert y == 8
    assert np.shares_memory(dataset.arrays[0], inputs)


def test_tensor_dataset_rejects_mismatched_sizes_naming_them():
    with pytest.raises(ValueError, match=r"same size in dimension 0, got sizes \[4, 3\]"):
        TensorDataset(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="arrays: expected at least one array, got none"):
        TensorDataset()
    with pytest.raises(IndexError, match="index: expected -2 <= index < 2, got 2"):
        TensorDataset(np.zeros(2))[2]


def test_tensor_dataset_transform_runs_on_whole_batches():
    calls = []

    def record(images):
        calls.append(images.shape)
        return images * 2

    dataset = TensorDataset(np.arange(10).reshape(5, 2), np.arange(5), transform=record)
    inputs, labels = dataset.get_batch(np.array([4, 0, 2]))
    assert calls == [(3, 2)]
    np.testing.assert_array_equal(inputs, [[16, 18], [0, 2], [8, 10]])
    np.testing.assert_array_equal(labels, [4, 0, 2])


def test_subset_maps_indices_and_batches_through_the_parent():
    parent = TensorDataset(np.arange(6, dtype=np.uint8) * 51, np.arange(6), transform=ToFloat())
    subset = Subset(parent, [5, 1, 3])
    assert len(subset) == 3 and subset[0][1] == 5
    inputs, labels = subset.get_batch(np.array([2, 0]))
    np.testing.assert_array_equal(labels, [3, 5])
    np.testing.assert_array_equal(inputs, np.array([153, 255], dtype=np.float32) / 255)
    with pytest.raises(ValueError, match=r"indices: expected values in \[0, 6\) .*from 1 to 9"):
        Subset(parent, [1, 9])


def test_generic_dataset_items_are_stacked_per_field():
    inputs, labels = fetch_batch(Squares(), np.array([3, 1]))
    np.testing.assert_array_equal(inputs, [[3, 9], [1, 1]])
    np.testing.assert_array_equal(labels, [3, 1])
    inputs, labels = fetch_batch(Subset(Squares(), [6, 2]), np.array([0]))
    np.testing.assert_array_equal(inputs, [[6, 36]])


def test_random_split_partitions_and_is_seeded():
    dataset = TensorDataset(np.arange(10))
    first = random_split(dataset, [6, 4], seed=3)
    assert [len(part) for part in first] == [6, 4]
    np.testing.assert_array_equal(np.sort(np.concatenate([p.indices for p in first])), range(10))
    again = random_split(dataset, [6, 4], generator=np.random.default_rng(3))
    np.testing.assert_array_equal(first[1].indices, again[1].indices)


def test_random_split_fractions_and_global_seed():
    dataset = TensorDataset(np.arange(5))
    assert [len(part) for part in random_split(dataset, [0.5, 0.5], seed=0)] == [3, 2]
    hb.manual_seed(4)
    first = random_split(dataset, [2, 3])[0].indices
    hb.manual_seed(4)
    np.testing.assert_array_equal(random_split(dataset, [2, 3])[0].indices, first)


def test_random_split_errors_name_lengths():
    dataset = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"len\(dataset\) = 10, got \[6, 3\] summing to 9"):
        random_split(dataset, [6, 3], seed=0)
    with pytest.raises(ValueError, match=r"fractions summing to 1, got \[0.5, 0.4\]"):
        random_split(dataset, [0.5, 0.4], seed=0)
    with pytest.raises(ValueError, match="expected generator or seed, got both"):
        random_split(dataset, [5, 5], generator=np.random.default_rng(0), seed=0)


def test_train_val_split_is_stable_by_default():
    dataset = TensorDataset(np.arange(50))
    train, val = train_val_split(dataset, val_fraction=0.2)
    assert (len(train), len(val)) == (40, 10)
    assert not set(train.indices) & set(val.indices)
    again = train_val_split(dataset, val_fraction=0.2)[1]
    np.testing.assert_array_equal(again.indices, val.indices)
    with pytest.raises(ValueError, match=r"val_fraction: expected a fraction in \(0, 1\), got 1.0"):
        train_val_split(dataset, val_fraction=1.0)


def test_importing_hubel_data_loads_neither_torch_nor_rich():
    heavy = ("torch", "rich", "matplotlib", "urllib.request")
    code = f"import sys, hubel.data; print([m for m in {heavy} if m in sys.modules])"
    repository = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=repository, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
