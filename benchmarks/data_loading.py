"""Data loading + augmentation throughput: hubel's DataLoader against PyTorch's.

50,000 random uint8 CIFAR-sized images (3, 32, 32), one shuffled epoch in batches of 256, each
batch: RandomCrop(32, padding=4) + RandomHorizontalFlip + ToFloat + Normalize. PyTorch runs the
same per-batch tensor ops (pad, gather the crop windows, flip, scale, normalise) after its
DataLoader over a TensorDataset, in two ways: the default loader (fetches items one by one and
collates them) and a BatchSampler loader (one fancy index per batch, like hubel's). Both
libraries run on one thread (NumPy's element-wise ops are single-threaded) with num_workers=0.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/data_loading.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import BatchSampler, RandomSampler
from torch.utils.data import DataLoader as TorchLoader
from torch.utils.data import TensorDataset as TorchTensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from hubel.data import DataLoader, TensorDataset  # noqa: E402
from hubel.data.transforms import (  # noqa: E402
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    ToFloat,
)

COUNT, BATCH, PADDING, EPOCHS = 50_000, 256, 4, 3
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def torch_augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The hubel pipeline in torch ops on a uint8 batch (N, 3, 32, 32) -> float32."""
    count, height, width = images.shape[0], images.shape[2], images.shape[3]
    padded = F.pad(images, (PADDING,) * 4)
    tops = torch.randint(0, 2 * PADDING + 1, (count,), generator=generator)
    lefts = torch.randint(0, 2 * PADDING + 1, (count,), generator=generator)
    # The same window trick as hubel: a strided view of all windows, one index picks each crop.
    windows = padded.unfold(2, height, 1).unfold(3, width, 1)  # (N, C, 9, 9, 32, 32)
    crops = windows[torch.arange(count), :, tops, lefts]
    flip = torch.rand(count, generator=generator) < 0.5
    crops[flip] = crops[flip].flip(3)
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    return (crops.float().div_(255) - mean) / std


def images_per_second(batches) -> float:
    """Best of EPOCHS epochs: ``batches()`` yields (inputs, labels) for one epoch."""
    best = float("inf")
    for _ in range(EPOCHS):
        start, seen = time.perf_counter(), 0
        for inputs, _labels in batches():
            seen += inputs.shape[0]
        best = min(best, time.perf_counter() - start)
        assert seen == COUNT
    return COUNT / best


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(COUNT, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=COUNT)

    augment = Compose(
        [RandomCrop(32, PADDING), RandomHorizontalFlip(), ToFloat(), Normalize(MEAN, STD)]
    )
    hubel_loader = DataLoader(
        TensorDataset(images, labels), batch_size=BATCH, shuffle=True, seed=0, transform=augment
    )

    torch_data = TorchTensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    generator = torch.Generator().manual_seed(0)
    default_loader = TorchLoader(torch_data, batch_size=BATCH, shuffle=True, generator=generator)
    batched_loader = TorchLoader(
        torch_data,
        sampler=BatchSampler(RandomSampler(torch_data, generator=generator), BATCH, False),
        batch_size=None,
    )

    def torch_epoch(loader):
        return lambda: ((torch_augment(x, generator), y) for x, y in loader)

    x, _ = next(iter(hubel_loader))
    y, _ = next(torch_epoch(batched_loader)())
    assert (
        x.shape == tuple(y.shape)
        and x.detach().numpy().dtype == np.float32 == y.detach().numpy().dtype
    )

    results = {
        "hubel DataLoader (batched)": images_per_second(lambda: hubel_loader),
        "torch DataLoader (default collate)": images_per_second(torch_epoch(default_loader)),
        "torch DataLoader (BatchSampler)": images_per_second(torch_epoch(batched_loader)),
    }
    print(
        f"{COUNT:,} images (3, 32, 32) uint8, batch {BATCH}, crop+flip+float+normalize, "
        f"best of {EPOCHS} epochs, torch {torch.__version__}, 1 thread"
    )
    hubel_rate = results["hubel DataLoader (batched)"]
    for name, rate in results.items():
        print(f"  {name:36s} {rate:>10,.0f} images/s   hubel / this = {hubel_rate / rate:5.2f}x")


if __name__ == "__main__":
    main()
