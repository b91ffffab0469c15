"""CIFAR-10: 60,000 32x32 colour images in 10 classes (50,000 train, 10,000 test).

Source: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images" (2009),
https://www.cs.toronto.edu/~kriz/cifar.html. We use the official "python version" archive.

Where the files live (first match wins): the ``root=`` argument, else the ``HUBEL_DATA``
environment variable, else ``~/.cache/hubel``. Inside that folder:

    cifar-10-python.tar.gz    the archive (170,498,071 bytes, md5 c58f30108f718f92721af3b95e74349a)
    cifar-10-batches-py/      the extracted batches: data_batch_1..5, test_batch, batches.meta

An existing ``cifar-10-batches-py/`` (as torchvision leaves it) is used as is, without network.
Otherwise the archive is downloaded (resumable, see :mod:`hubel.data.download`), its md5 checked
before anything is extracted, extracted safely, and each batch read with a restricted unpickler
(:mod:`hubel.data.safe_pickle`): the official batches are Python 2 pickles of dicts with bytes
keys, ``b"data"`` uint8 ``(n, 3072)`` (1024 red, then green, then blue values, each a row-major
32x32 plane) and ``b"labels"`` a list of n ints.

For tests, ``CIFAR10(..., _remote=RemoteFile(url, filename, md5, size))`` replaces the official
:data:`CIFAR10_REMOTE` (for example with a local server and a small archive).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from hubel.data.dataset import TensorDataset
from hubel.data.download import RemoteFile, download, verify
from hubel.data.extract import extract_folder
from hubel.data.safe_pickle import load_pickle
from hubel.data.transforms import Layout, check_layout

CIFAR10_REMOTE = RemoteFile(
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    filename="cifar-10-python.tar.gz",
    md5="c58f30108f718f92721af3b95e74349a",
    size=170_498_071,
)
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{number}" for number in range(1, 6))
TEST_BATCHES = ("test_batch",)
META = "batches.meta"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
IMAGE_SHAPE = (3, 32, 32)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: ``root`` if given, else ``$HUBEL_DATA``, else ``~/.cache/hubel``."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get("HUBEL_DATA"):
        return Path(os.environ["HUBEL_DATA"]).expanduser()
    return Path.home() / ".cache" / "hubel"


def _manual_instructions(root: Path, remote: RemoteFile) -> str:
    size = f"{remote.size:,} bytes, " if remote.size is not None else ""
    return (
        f"To install CIFAR-10 by hand, do one of:\n"
        f"  - download {remote.url} ({size}md5 {remote.md5}) and save it as "
        f"{root / remote.filename}\n"
        f"  - or place the extracted folder {FOLDER}/ (data_batch_1 ... data_batch_5, "
        f"test_batch, batches.meta) at {root / FOLDER}\n"
        f"(or point root= or the HUBEL_DATA environment variable at a folder holding either)."
    )


def prepare_cifar10(root: Path, download_missing: bool, remote: RemoteFile) -> Path:
    """Make sure ``root / cifar-10-batches-py`` holds every batch; return that folder.

    Uses the folder if present, else extracts the archive (downloading it first if allowed).
    """
    folder = root / FOLDER
    needed = TRAIN_BATCHES + TEST_BATCHES
    if folder.is_dir():
        missing = [name for name in needed if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{folder} lacks {', '.join(missing)}: complete it, or delete it so that hubel "
                f"extracts the archive again"
            )
        return folder
    archive = root / remote.filename
    if archive.is_file():
        verify(archive, remote)
    elif download_missing:
        download(remote, root, hint=_manual_instructions(root, remote))
    else:
        raise FileNotFoundError(
            f"CIFAR-10 is not in {root} and download=False.\n{_manual_instructions(root, remote)}"
        )
    return extract_folder(archive, root, FOLDER)


def _unreadable(path: Path, problem: str) -> str:
    """``problem`` with what to do about it: have hubel extract the folder again."""
    return (
        f"{problem}; {path.name} is not an intact CIFAR-10 file: delete {path.parent} so that "
        f"hubel extracts it again from the archive (or downloads it), or restore the file"
    )


def _load(path: Path) -> object:
    """Unpickle a CIFAR-10 file; an empty, truncated or tampered one raises
    ``pickle.UnpicklingError`` naming it and saying how to get a good copy."""
    try:
        return load_pickle(path)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(_unreadable(path, str(error))) from None


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file as ``(data, labels)``: uint8 ``(n, 3072)`` and int64 ``(n,)``.

    Raises ``pickle.UnpicklingError`` (an empty, truncated or tampered file) or ``ValueError``
    (unexpected contents), naming the file and saying how to get a good copy.
    """
    batch = _load(path)
    try:
        return _check_batch(path, batch)
    except ValueError as error:
        raise ValueError(_unreadable(path, str(error))) from None


def _check_batch(path: Path, batch: object) -> tuple[np.ndarray, np.ndarray]:
    """``batch``'s data and labels, checked against the official format."""
    data = batch.get(b"data") if isinstance(batch, dict) else None
    labels = batch.get(b"labels") if isinstance(batch, dict) else None
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2):
        raise ValueError(f"{path}: expected b'data' a uint8 array (n, 3072), got {data!r:.60}")
    if data.shape[1] != np.prod(IMAGE_SHAPE) or not isinstance(labels, list):
        raise ValueError(
            f"{path}: expected b'data' of shape (n, 3072) and b'labels' a list, got data of "
            f"shape {data.shape} and labels of type {type(labels).__name__}"
        )
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (data.shape[0],) or labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise ValueError(
            f"{path}: expected {data.shape[0]} labels in 0..9, got {labels.size} "
            f"from {labels.min(initial=0)} to {labels.max(initial=0)}"
        )
    return data, labels


def read_images(
    folder: Path, names: Sequence[str], layout: Layout
) -> tuple[np.ndarray, np.ndarray]:
    """The batches ``names`` concatenated: uint8 ``(N, 3, 32, 32)`` (or ``(N, 32, 32, 3)``
    for NHWC) and int64 labels ``(N,)``."""
    batches = [read_batch(folder / name) for name in names]
    planes = [data.reshape(-1, *IMAGE_SHAPE) for data, _ in batches]
    if layout == "NHWC":
        planes = [images.transpose(0, 2, 3, 1) for images in planes]
    return np.concatenate(planes), np.concatenate([labels for _, labels in batches])


def read_classes(folder: Path) -> tuple[str, ...]:
    """The class names from ``batches.meta``; the known list when the file is absent."""
    path = folder / META
    if not path.is_file():
        return CLASSES
    meta = _load(path)
    names = meta.get(b"label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or len(names) != len(CLASSES):
        problem = f"{path}: expected b'label_names' to list 10 names, got {names!r:.80}"
        raise ValueError(_unreadable(path, problem))
    return tuple(name.decode() if isinstance(name, bytes) else str(name) for name in names)


class CIFAR10(TensorDataset):
    """CIFAR-10 as a dataset of ``(image, label)``; see the module docstring for the files.

    Items: image uint8 ``(3, 32, 32)`` (``layout="NCHW"``) or ``(32, 32, 3)`` (``"NHWC"``),
    label int64 in 0..9 naming ``classes[label]``. Images stay uint8 in memory (150 MB for the
    train set); ``transform`` acts on each drawn batch ``(B, 3, 32, 32)`` (with
    ``layout="NHWC"``, ``(B, 32, 32, 3)``: build the transforms with ``layout="NHWC"`` too).

    Args:
        root: the data folder (default ``$HUBEL_DATA``, else ``~/.cache/hubel``).
        train: the 50,000 training images (``data_batch_1..5``), else the 10,000 test images.
        download: fetch the archive if neither it nor the extracted folder is in ``root``.
        transform: a batch transform for the images.
        layout: ``"NCHW"`` or ``"NHWC"``.
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        download: bool = True,
        transform: Callable | None = None,
        layout: Layout = "NCHW",
        *,
        _remote: RemoteFile = CIFAR10_REMOTE,
    ) -> None:
        for name, flag in (("train", train), ("download", download)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}: expected True or False, got {flag!r}")
        self.layout = check_layout(layout)
        self.root = data_root(root)
        self.train = train
        folder = prepare_cifar10(self.root, download, _remote)
        images, labels = read_images(folder, TRAIN_BATCHES if train else TEST_BATCHES, layout)
        super().__init__(images, labels, transform=transform)
        self.classes = read_classes(folder)
