"""Data: datasets (bundled digits, CIFAR-10), a vectorised DataLoader, batch transforms.

Images stay uint8 until a batch is drawn; every step after that (gather, crop, flip, scale,
normalise) runs once per batch on whole arrays.

    from hubel.data import DataLoader, Digits, transforms as T
    train = Digits(train=True, transform=T.Compose([T.ToFloat(16), T.Flatten()]))
    for images, labels in DataLoader(train, batch_size=64, shuffle=True, seed=0):
        ...  # images: Tensor (64, 64) float32, labels: Tensor (64,) int64
"""

from hubel.data import transforms
from hubel.data.cifar import CIFAR10
from hubel.data.dataset import Dataset, Subset, TensorDataset, random_split, train_val_split
from hubel.data.digits import Digits, load_digits
from hubel.data.download import ChecksumError, DownloadError
from hubel.data.loader import DataLoader
from hubel.data.safe_pickle import RestrictedUnpickler

__all__ = [
    "CIFAR10",
    "ChecksumError",
    "DataLoader",
    "Dataset",
    "Digits",
    "DownloadError",
    "RestrictedUnpickler",
    "Subset",
    "TensorDataset",
    "load_digits",
    "random_split",
    "train_val_split",
    "transforms",
]
