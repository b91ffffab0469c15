"""CIFAR ResNet training steps (He et al.'s option-A ResNet-20 and ResNet-56), hubel vs PyTorch
eager on the CPU, the achieved GFLOP/s, and where hubel's step goes, op by op.

Random uint8 32x32x3 images, batch 128, SGD with momentum 0.9: scale to [0, 1], forward,
cross-entropy, backward, update. PyTorch's twin (``tests/models/torch_reference.py``) starts
from hubel's weights, copied by ``state_dict`` name, and the first-step losses are printed side
by side. Median of ``--steps`` steps after two warm-up steps; PyTorch's whole block first, then
hubel's. GFLOP/s counts the convolutions' and the linear layer's multiply-adds
(``hb.summary``) three times, forward, input gradient and weight gradient, two FLOPs each:
compare with the machine's FMA peak (2 cores x 2 AVX2 FMA units x 8 floats x 2 FLOPs x clock,
about 205 GFLOP/s at 3.2 GHz).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/resnet_train.py
    ... resnet_train.py --depths 20 --steps 5 --split   (ResNet-20 only, with hubel's op split)
    ... resnet_train.py --threads 1   (one thread for all: steadier on a shared machine)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from common import (
    add_threads_option,
    environment,
    median_ms,
    op_split,
    peak_rss_mib,
    print_split,
    set_threads,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "models"))
import torch_reference  # noqa: E402

import hubel as hb  # noqa: E402
from hubel import nn, optim  # noqa: E402

BATCH = 128


def batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (BATCH, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, BATCH)


def models(depth: int):
    """hubel's ResNet-``depth`` and its PyTorch twin with the same weights."""
    hb.manual_seed(0)
    model = hb.models.get_model(f"resnet{depth}").train()
    twin = torch_reference.CifarResNet(depth).train()
    state = {k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()}
    twin.load_state_dict(state)
    return model, twin


def torch_step_fn(twin):
    opt = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    images, labels = (torch.from_numpy(a) for a in batch())

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(twin(images.float() / 255), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def hubel_step_fn(model):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    images, labels = (hb.from_numpy(a) for a in batch())

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(images.float() / 255), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def training_gflop(model) -> float:
    """GFLOP of one training step's products: 3 x 2 x multiply-adds of the forward."""
    macs = hb.summary(model, input_size=(3, 32, 32), batch_size=BATCH).total_macs
    return 6 * macs / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", default="20,56", help="comma-separated depths (20,56)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per network (10)")
    parser.add_argument("--split", action="store_true", help="print hubel's step split by op")
    add_threads_option(parser)
    args = parser.parse_args()
    set_threads(args.threads)
    depths = [int(d) for d in args.depths.split(",")]
    print(
        f"BLAS: {environment()}; threads: torch {torch.get_num_threads()}, "
        f"hubel {hb.get_num_threads()}; kernels {hb.kernels.active()}"
    )
    built = {depth: models(depth) for depth in depths}
    steps = {depth: (hubel_step_fn(m), torch_step_fn(t)) for depth, (m, t) in built.items()}
    first_torch = {depth: steps[depth][1]() for depth in depths}
    torch_ms = {depth: median_ms(steps[depth][1], args.steps, warmup=2) for depth in depths}
    first_hubel = {depth: steps[depth][0]() for depth in depths}
    hubel_ms = {depth: median_ms(steps[depth][0], args.steps, warmup=2) for depth in depths}
    print(f"\nTraining step, batch {BATCH}, 32x32x3, SGD momentum 0.9 (median of {args.steps}):")
    header = f"{'network':<11}{'PyTorch img/s':>14}{'hubel img/s':>13}{'ratio':>7}"
    print(f"{header}{'hubel GFLOP/s':>15}{'first loss PyTorch / hubel':>30}")
    for depth in depths:
        torch_rate, hubel_rate = BATCH / torch_ms[depth] * 1000, BATCH / hubel_ms[depth] * 1000
        gflops = training_gflop(built[depth][0]) / (hubel_ms[depth] / 1000)
        losses = f"{first_torch[depth]:.6f} / {first_hubel[depth]:.6f}"
        print(
            f"{'ResNet-' + str(depth):<11}{torch_rate:14.0f}{hubel_rate:13.0f}"
            f"{torch_rate / hubel_rate:7.2f}{gflops:15.1f}{losses:>30}"
        )
    if args.split:
        depth = depths[0]
        print()
        print_split(f"hubel ResNet-{depth} step by op (median of 5)", op_split(steps[depth][0]))
    print(f"\npeak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
