"""DataLoader: batch shapes, shuffling, reproducibility and bit-for-bit resume."""

import numpy as np
import pytest

import hubel as hb
from hubel.data import DataLoader, Dataset, Digits, TensorDataset
from hubel.data.transforms import (
    Compose,
    Flatten,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    ToFloat,
)


def _indices(size: int) -> TensorDataset:
    return TensorDataset(np.arange(size, dtype=np.int32))


def _epoch(loader) -> list[np.ndarray]:
    return [batch[0].detach().numpy() for batch in loader]


class NoItems(TensorDataset):
    """Fails on item access: proves that the loader gathers array datasets by batch."""

    def __getitem__(self, index):
        raise AssertionError("the loader asked for a single item")


class Pairs(Dataset):
    """Only __getitem__: item i is (float32 [i, -i], i)."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return np.array([index, -index], dtype=np.float32), index


def test_batches_are_tensors_with_int64_labels_and_a_short_last_batch():
    inputs = np.arange(30, dtype=np.float32).reshape(10, 3)
    loader = DataLoader(NoItems(inputs, np.arange(10, dtype=np.int32)), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [x.shape for x, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    x, y = batches[2]
    assert isinstance(x, hb.Tensor) and isinstance(y, hb.Tensor)
    assert x.detach().numpy().dtype == np.float32 and y.detach().numpy().dtype == np.int64
    np.testing.assert_array_equal(x.detach().numpy(), inputs[8:])
    np.testing.assert_array_equal(y.detach().numpy(), [8, 9])


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(_indices(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [batch.shape for batch in _epoch(loader)] == [(4,), (4,)]
    assert len(DataLoader(_indices(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_covers_every_index_once_per_epoch_in_new_orders():
    loader = DataLoader(_indices(23), batch_size=5, shuffle=True, seed=0)
    first, second = np.concatenate(_epoch(loader)), np.concatenate(_epoch(loader))
    np.testing.assert_array_equal(np.sort(first), np.arange(23))
    np.testing.assert_array_equal(np.sort(second), np.arange(23))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(23))


def test_same_seed_same_order_and_global_seed_pins_unseeded_loaders():
    def order(**kwargs):
        return np.concatenate(_epoch(DataLoader(_indices(50), 8, shuffle=True, **kwargs)))

    np.testing.assert_array_equal(order(seed=5), order(seed=5))
    assert not np.array_equal(order(seed=5), order(seed=6))
    hb.manual_seed(2)
    unseeded = order()
    hb.manual_seed(2)
    np.testing.assert_array_equal(order(), unseeded)


def _augmenting_loader(seed: int) -> DataLoader:
    images = np.random.default_rng(0).integers(0, 256, size=(37, 3, 8, 8), dtype=np.uint8)
    normalize = Normalize(mean=[0.5] * 3, std=[0.25] * 3)
    augment = Compose([RandomCrop(8, padding=2), RandomHorizontalFlip(), ToFloat(), normalize])
    dataset = TensorDataset(images, np.arange(37))
    return DataLoader(dataset, batch_size=5, shuffle=True, seed=seed, transform=augment)


def _arrays(batch) -> tuple[np.ndarray, ...]:
    return tuple(tensor.detach().numpy() for tensor in batch)


@pytest.mark.parametrize("stop_after", [3, 8, 10])  # mid-epoch 1, end of epoch 1, mid-epoch 2
def test_state_dict_resumes_the_remaining_batches_bit_for_bit(stop_after):
    total = 3 * 8  # three epochs of 8 batches (37 items, batch_size 5)
    reference = _augmenting_loader(seed=1)
    expected = [_arrays(batch) for _ in range(3) for batch in reference]

    interrupted, seen = _augmenting_loader(seed=1), []
    while len(seen) < stop_after:
        for batch in interrupted:
            seen.append(_arrays(batch))
            if len(seen) == stop_after:
                break
    state = interrupted.state_dict()

    resumed = _augmenting_loader(seed=99)
    resumed.load_state_dict(state)
    rest = [_arrays(batch) for batch in resumed]
    assert len(rest) == 8 - stop_after % 8  # the rest of this epoch, or all of the next
    while len(seen) + len(rest) < total:
        rest += [_arrays(batch) for batch in resumed]
    assert len(expected) == len(seen) + len(rest) == total
    for (x, y), (x_expected, y_expected) in zip(seen + rest, expected, strict=True):
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, x_expected)
        np.testing.assert_array_equal(y, y_expected)


def test_a_new_for_loop_starts_a_fresh_epoch():
    loader = DataLoader(_indices(12), batch_size=4, shuffle=True, seed=0)
    for _ in loader:
        break
    assert len(_epoch(loader)) == 3


def test_generic_dataset_is_stacked_and_transformed():
    loader = DataLoader(Pairs(), batch_size=2, transform=lambda x: x * 10)
    batches = list(loader)
    assert len(batches) == 3
    np.testing.assert_array_equal(batches[1][0].detach().numpy(), [[20, -20], [30, -30]])
    assert batches[2][1].detach().numpy().dtype == np.int64


def test_digits_through_the_loader_for_an_mlp():
    train = Digits(transform=Compose([ToFloat(16), Flatten()]))
    images, labels = next(iter(DataLoader(train, batch_size=64, shuffle=True, seed=0)))
    assert images.shape == (64, 64) and images.detach().numpy().dtype == np.float32
    assert 0.0 <= images.detach().numpy().min() and images.detach().numpy().max() <= 1.0
    assert labels.shape == (64,) and labels.detach().numpy().dtype == np.int64


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="batch_size: expected a positive int, got 0"):
        DataLoader(_indices(4), batch_size=0)
    with pytest.raises(TypeError, match="batch_size: expected a positive int, got float"):
        DataLoader(_indices(4), batch_size=2.5)
    with pytest.raises(TypeError, match="shuffle: expected True or False, got 'yes'"):
        DataLoader(_indices(4), shuffle="yes")
    with pytest.raises(TypeError, match="dataset: expected a Dataset .*got int"):
        DataLoader(5)
    with pytest.raises(TypeError, match="seed: expected an int or None, got str"):
        DataLoader(_indices(4), seed="0")
    with pytest.raises(ValueError, match=r"state: expected a dict with keys .*got \['epoch'\]"):
        DataLoader(_indices(4)).load_state_dict({"epoch": 1})
