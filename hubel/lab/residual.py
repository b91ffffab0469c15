"""Skip connections: plain and residual networks of 20 and 56 layers on the same data.

Lesson: stacking more plain layers makes a network train *worse*, not better (the degradation
problem of He et al. 2016: it is not overfitting, the training loss itself is higher); the
same 56 layers with skip connections, y = ReLU(F(x) + x), train better than the 20-layer plain
net, because the identity path carries the signal and the gradient straight through.

The first layer's gradient tells the same story from the other side. With batch norm after
every convolution the plain-56's first-layer gradient starts out exploding (hundreds of times
the plain-20's, a known effect of deep BN stacks); after those first wild steps it collapses
to about a thousandth of the other nets' and stays there, so the first layers stop learning.
The residual net's stays close to the 20-layer nets' throughout.

The networks are the paper's CIFAR ResNets and their plain twins (``hubel.models``'s
``resnet20``/``resnet56``/``plain20``/``plain56``: a 3x3 stem, three stages of n basic blocks,
option-A shortcuts, He initialisation), built from the zoo's blocks. The quick version narrows
the stages from 16/32/64 to 4/8/16 channels and trains on 512 digits at their own 8x8 size
(stages at 8x8, 4x4, 2x2) for 90 steps of SGD, a budget at which the loss gap is clear for every
seed tried (0-3); the full version trains the zoo's own models (widths 16/32/64) on all 1,437
training digits enlarged to 16x16.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import functional as F
from .. import nn, optim
from ..backend import manual_seed
from ..models import get_model
from ..models.common import init_cnn
from ..models.resnet import BasicBlock, conv3x3
from ..models.resnet_cifar import ZeroPadShortcut
from ..tensor import Tensor
from .common import batches, digits, jsonable, pyplot, save_figure, train, weight_layers
from .registry import register_experiment

LESSON = (
    "The 56-layer plain net ends with a higher training loss than the 20-layer one "
    "(degradation); with skip connections the 56-layer net trains better than both plain nets."
)
QUICK_WIDTHS = (4, 8, 16)
FULL_STEPS = 400
NETS = {  # name: (depth, skip connections, the zoo's model)
    "plain-20": (20, False, "plain20"),
    "plain-56": (56, False, "plain56"),
    "resnet-20": (20, True, "resnet20"),
    "resnet-56": (56, True, "resnet56"),
}


class CifarNet(nn.Module):
    """The CIFAR ResNet-(6n+2) of :mod:`hubel.models.resnet_cifar` with stage widths as an
    argument (the zoo's are (16, 32, 64)); ``skip=False`` is the plain twin. (N, C, H, W) →
    (N, num_classes)."""

    def __init__(
        self,
        depth: int,
        widths: tuple[int, int, int],
        skip: bool,
        in_channels: int = 1,
        num_classes: int = 10,
    ):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError(f"CifarNet: depth must be 6n + 2 (20, 56, ...), got {depth!r}")
        blocks = (depth - 2) // 6
        self.conv1 = conv3x3(in_channels, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        stages, channels = [], widths[0]
        for stage, width in enumerate(widths):
            layers = []
            for index in range(blocks):
                stride = 2 if stage > 0 and index == 0 else 1
                shortcut = None
                if stride != 1 or channels != width:  # halve H, W and pad the new channels
                    shortcut = ZeroPadShortcut(stride, width - channels)
                layers.append(BasicBlock(channels, width, stride, shortcut, skip))
                channels = width
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(channels, num_classes)
        init_cnn(self)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stages(self.relu(self.bn1(self.conv1(x))))
        return self.fc(F.flatten(self.avgpool(x), 1))


def _first_and_last(model: nn.Module) -> tuple[float, float]:
    """||dL/dW|| of the first convolution and of the final linear layer."""
    layers = weight_layers(model)
    return tuple(
        float(np.linalg.norm(layer.weight.grad.numpy())) for layer in (layers[0], layers[-1])
    )


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train the four nets on the same batches; record the loss and the gradient norm of the
    first and last layer at every step."""
    if quick:
        widths, size, count, steps = QUICK_WIDTHS, 8, 512, 90
    else:
        widths, size, count, steps = (16, 32, 64), 16, None, FULL_STEPS
    images, labels = digits(train=True, count=count, size=size, seed=seed)
    nets = {}
    for name, (depth, skip, zoo_name) in NETS.items():
        manual_seed(seed)
        if quick:
            model = CifarNet(depth, widths, skip)
        else:
            model = get_model(zoo_name, in_channels=1)
        optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        data = batches(images, labels, 32, seed)
        loss, norms = train(model, optimizer, data, steps, after_backward=_first_and_last)
        norms = np.asarray(norms)
        nets[name] = {
            "loss": loss,
            "final_loss": float(np.mean(loss[-20:])),
            "first_layer_gradient": norms[:, 0],
            "last_layer_gradient": norms[:, 1],
            "parameters": sum(p.numel() for p in model.parameters()),
        }
    return jsonable({"widths": widths, "image_size": size, "steps": steps, "nets": nets})


def late_mean(values) -> float:
    """The mean over the second half of training."""
    values = np.asarray(values)
    return float(values[len(values) // 2 :].mean())


def key_numbers(data: dict) -> dict:
    """Each net's training loss at the end (mean of the last 20 steps) and its first layer's
    gradient norm at the first step and over the second half of training."""
    numbers = {}
    for name, entry in data["nets"].items():
        numbers[f"{name}: training loss at the end"] = entry["final_loss"]
    for name, entry in data["nets"].items():
        first = np.asarray(entry["first_layer_gradient"])
        numbers[f"{name}: first layer ||dL/dW||, step 1 / second half"] = (
            f"{first[0]:.3g} / {late_mean(first):.3g}"
        )
    numbers["parameters (plain-56 = resnet-56)"] = data["nets"]["resnet-56"]["parameters"]
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Training loss of the four nets (the paper's Figure 1 and 6), and first-layer gradients."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    styles = {
        "plain-20": ("C0", "--"),
        "plain-56": ("C0", "-"),
        "resnet-20": ("C3", "--"),
        "resnet-56": ("C3", "-"),
    }
    for name, entry in data["nets"].items():
        color, line = styles[name]
        loss = np.asarray(entry["loss"])
        smooth = np.convolve(loss, np.ones(10) / 10, mode="valid")
        axes[0].plot(
            np.arange(len(smooth)) + 10,
            smooth,
            line,
            color=color,
            label=f"{name}: {entry['final_loss']:.2f}",
        )
        axes[1].semilogy(entry["first_layer_gradient"], line, color=color, label=name)
        ratio = np.asarray(entry["first_layer_gradient"]) / np.asarray(entry["last_layer_gradient"])
        axes[2].semilogy(ratio, line, color=color, label=name)
    axes[0].set(title="training loss (mean of 10 steps)", xlabel="step", ylabel="cross-entropy")
    axes[1].set(title="first layer's ||dL/dW||", xlabel="step")
    axes[2].set(title="first layer / last layer gradient", xlabel="step")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    widths = "/".join(str(w) for w in data["widths"])
    size = f"{data['image_size']}x{data['image_size']}"
    fig.suptitle(
        f"Plain vs residual, 20 and 56 layers (widths {widths}, {size} digits): the "
        "deeper plain net trains worse"
    )
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("residual", LESSON, run, key_numbers, render)
