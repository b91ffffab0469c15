"""One training epoch of the homework MLP on 50,000 CIFAR-sized images, hubel vs PyTorch.

CIFAR-10 cannot be downloaded here, so the images are random uint8 (3, 32, 32) with random
labels: the cost of an epoch does not depend on what the pixels show. Both sides scale to [0, 1],
normalise per channel, flatten, and train 3072-1024-512-10 (ReLU) with Adam at batch 128 (the
``hubel train --dataset cifar10`` defaults). hubel runs its real training loop (``Trainer``:
progress accounting, validation off); PyTorch runs the loop a user writes, over its own
``DataLoader`` and ``TensorDataset``. PyTorch's epoch first, then hubel's.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/cifar_epoch.py
"""

from __future__ import annotations

import time

import numpy as np
import torch
from common import environment, report

import hubel as hb
from hubel.data import DataLoader, TensorDataset
from hubel.data import transforms as T
from hubel.training import Trainer
from hubel.training.run import CIFAR10_MEAN, CIFAR10_STD

N, BATCH = 50_000, 128


def torch_epoch(images, labels, batched: bool = False) -> float:
    """``batched``: the DataLoader draws whole batches of indices (BatchSampler) instead of
    collating 128 single items: the fast way to use it on in-memory tensors."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(3072, 1024),
        torch.nn.ReLU(),
        torch.nn.Linear(1024, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    if batched:
        sampler = torch.utils.data.BatchSampler(
            torch.utils.data.RandomSampler(dataset), BATCH, drop_last=False
        )
        loader = torch.utils.data.DataLoader(dataset, batch_size=None, sampler=sampler)
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True)
    start = time.perf_counter()
    for x, y in loader:
        x = (x.float() / 255 - mean) / std
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def hubel_epoch(images, labels) -> float:
    hb.manual_seed(0)
    model = hb.models.MLP(3072, (1024, 512), 10)
    opt = hb.optim.Adam(model.parameters(), lr=1e-3)
    transform = T.Compose([T.ToFloat(255), T.Normalize(CIFAR10_MEAN, CIFAR10_STD), T.Flatten()])
    loader = DataLoader(
        TensorDataset(images, labels, transform=transform), BATCH, shuffle=True, seed=0
    )
    trainer = Trainer(model, opt, loader, epochs=1, progress=False)
    start = time.perf_counter()
    trainer.fit()
    return time.perf_counter() - start


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(N, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=N).astype(np.int64)
    print(f"BLAS: {environment()}; torch threads {torch.get_num_threads()}")
    torch_s = torch_epoch(images, labels)
    torch_batched_s = torch_epoch(images, labels, batched=True)
    hubel_s = hubel_epoch(images, labels)
    title = f"CIFAR-sized epoch ({N:,} images, MLP 3072-1024-512-10, Adam, batch {BATCH})"
    report(title + ", torch DataLoader(batch_size)", torch_s, hubel_s, unit="s")
    report(title + ", torch DataLoader(BatchSampler)", torch_batched_s, hubel_s, unit="s")
    print(
        f"images/s: PyTorch {N / torch_s:,.0f} (batched sampler {N / torch_batched_s:,.0f})   "
        f"hubel {N / hubel_s:,.0f}"
    )


if __name__ == "__main__":
    main()
