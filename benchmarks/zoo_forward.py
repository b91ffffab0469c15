"""The model zoo's inference cost, hubel vs PyTorch eager on the CPU, and a CIFAR ResNet-20's
training throughput.

1. Forward time of every ImageNet model at batch 1, 224x224 (alexnet_original 227x227), eval
   mode, no gradient, float32: median of a few calls after a warm-up. PyTorch's side covers the
   architectures written out in ``tests/models/torch_reference.py`` (torchvision is not
   installed). PyTorch's block runs first, then hubel's; with ``--rounds R`` that pair of
   blocks runs R times over the same models, and each round gives its own ratio.
2. ResNet-20 (He et al.'s CIFAR-10 network, option A) training steps on random uint8
   32x32x3 images, batch 128, SGD with momentum 0.9: scale to [0, 1], forward, cross-entropy,
   backward, update. Images per second, PyTorch first, then hubel.

Weights come from ``build_fast`` (uninitialised build + float32 He-uniform fill): initialising
the VGGs with their own init.normal_ takes seconds each, and values do not change the cost.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/zoo_forward.py
    ... zoo_forward.py --models resnet18,vgg16 --repeats 5   (a subset; --no-train skips part 2)
    ... zoo_forward.py --threads 1   (one thread for all: steadier on a shared machine)
    ... zoo_forward.py --models resnet18,mobilenet_v2 --no-train --repeats 10 --rounds 8
        (PyTorch's block then hubel's, 8 times: the ratio as the median of 8 paired rounds)
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from common import add_threads_option, environment, median_ms, peak_rss_mib, set_threads

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "models"))
import torch_reference  # noqa: E402
from zoo_helpers import build_fast  # noqa: E402

import hubel as hb  # noqa: E402
from hubel import nn, optim  # noqa: E402
from hubel.models import list_models, model_info, parameter_count  # noqa: E402

TRAIN_BATCH, TRAIN_STEPS = 128, 10


def imagenet_models() -> list[str]:
    return [n for n in list_models() if model_info(n).input_size[1] >= 224]


def image(name: str) -> np.ndarray:
    size = model_info(name).input_size[1]
    return np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)


def torch_models(names: list[str]) -> dict:
    """The PyTorch twins of ``names`` that ``torch_reference`` has, in eval mode, with inputs."""
    built = {}
    for name in names:
        if name in torch_reference.MODELS:
            torch.manual_seed(0)
            built[name] = (torch_reference.MODELS[name]().eval(), torch.from_numpy(image(name)))
    return built


def hubel_models(names: list[str]) -> dict:
    return {name: (build_fast(name).eval(), hb.tensor(image(name))) for name in names}


def torch_forward_ms(built: dict, repeats: int) -> dict[str, float]:
    with torch.no_grad():
        return {name: median_ms(partial(m, x), repeats, warmup=1) for name, (m, x) in built.items()}


def hubel_forward_ms(built: dict, repeats: int) -> dict[str, float]:
    with hb.no_grad():
        return {name: median_ms(partial(m, x), repeats, warmup=1) for name, (m, x) in built.items()}


def print_forward_table(names, rounds: list, repeats) -> None:
    """``rounds``: one (PyTorch ms, hubel ms) pair of dicts per round. Times are medians over
    the rounds; the ratio is the median of the rounds' ratios, each from a PyTorch block and
    the hubel block right after it, with their range when there is more than one round."""
    count = len(rounds)
    label = f"median of {repeats}" + (f", then over {count} rounds" if count > 1 else "")
    print(f"\nForward, batch 1, 224x224, eval, no grad ({label}):")
    header = f"{'model':<18}{'params':>13}{'PyTorch ms':>12}{'hubel ms':>11}{'ratio':>8}"
    print(header + (f"{'ratio range':>15}" if count > 1 else ""))
    for name in names:
        h = float(np.median([hubel[name] for _, hubel in rounds]))
        line = f"{name:<18}{parameter_count(name):>13,}"
        if name not in rounds[0][0]:
            print(f"{line}{'-':>12}{h:11.1f}{'-':>8}")
            continue
        t = float(np.median([torch_ms[name] for torch_ms, _ in rounds]))
        ratios = [hubel[name] / torch_ms[name] for torch_ms, hubel in rounds]
        line += f"{t:12.1f}{h:11.1f}{float(np.median(ratios)):8.2f}"
        print(line + (f"{min(ratios):>9.2f}-{max(ratios):.2f}" if count > 1 else ""))


def training_data(rng: np.random.Generator):
    images = rng.integers(0, 256, (TRAIN_BATCH, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, TRAIN_BATCH)
    return images, labels


def torch_train_images_per_s(steps: int) -> float:
    torch.manual_seed(0)
    model = torch_reference.MODELS["resnet20"]().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    images, labels = training_data(np.random.default_rng(0))
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images.float() / 255), labels)
        loss.backward()
        opt.step()

    return TRAIN_BATCH / (median_ms(step, steps, warmup=2) / 1000)


def hubel_train_images_per_s(steps: int) -> float:
    hb.manual_seed(0)
    model = hb.models.resnet20().train()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    images, labels = training_data(np.random.default_rng(0))
    images, labels = hb.from_numpy(images), hb.from_numpy(labels)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(images.float() / 255), labels)
        loss.backward()
        opt.step()

    return TRAIN_BATCH / (median_ms(step, steps, warmup=2) / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", help="comma-separated names (default: every ImageNet model)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per model (3)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="PyTorch block then hubel block, this many times (1); the ratio is the median of "
        "the rounds' ratios, with their range: steadier on a machine whose speed drifts",
    )
    parser.add_argument("--no-train", action="store_true", help="skip the ResNet-20 training part")
    add_threads_option(parser)
    args = parser.parse_args()
    set_threads(args.threads)
    names = args.models.split(",") if args.models else imagenet_models()
    print(f"BLAS: {environment()}; torch threads {torch.get_num_threads()}")
    start = time.perf_counter()
    torch_built, hubel_built = torch_models(names), hubel_models(names)
    rounds = [
        (torch_forward_ms(torch_built, args.repeats), hubel_forward_ms(hubel_built, args.repeats))
        for _ in range(args.rounds)
    ]
    print_forward_table(names, rounds, args.repeats)
    if not args.no_train:
        torch_rate = torch_train_images_per_s(TRAIN_STEPS)
        hubel_rate = hubel_train_images_per_s(TRAIN_STEPS)
        print(
            f"\nResNet-20 training on 32x32x3 uint8, batch {TRAIN_BATCH}, SGD momentum 0.9 "
            f"(median of {TRAIN_STEPS} steps): PyTorch {torch_rate:.0f} images/s   "
            f"hubel {hubel_rate:.0f} images/s   ratio PyTorch/hubel "
            f"{torch_rate / hubel_rate:.2f}"
        )
    print(f"\npeak RSS {peak_rss_mib():.0f} MiB; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
