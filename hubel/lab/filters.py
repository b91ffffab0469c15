"""What a CNN learns: first-layer filters, and one image's feature maps layer by layer.

Lesson: trained on digits, a small CNN's first layer turns from random noise into smooth
stroke and edge detectors (neighbouring weights agree), each responding to a local piece of
the image; the second layer, seeing a region twice as wide, combines them into coarser parts of
shapes: the simple-to-complex hierarchy Hubel and Wiesel found in the visual cortex, which the
course opens with.

The CNN: conv 5x5 (8 filters) → ReLU → max pool 2 → conv 3x3 (16) → ReLU → max pool 2 →
linear, on the digits enlarged to 16x16, trained with Adam; the first layer starts at 0.3 of
the default scale (biases 0), so that the figure shows what training put into its filters.
Smoothness of a filter is the correlation between horizontally or vertically neighbouring
weights (after removing the filter's mean): about 0 for random weights, clearly positive for a
filter that detects strokes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn, optim
from ..analysis import receptive_field
from ..autograd import no_grad
from ..backend import manual_seed
from ..tensor import from_numpy
from .common import batches, digits, evaluate, jsonable, pyplot, save_figure, train
from .registry import register_experiment

LESSON = (
    "Trained on digits, the first layer turns from noise into smooth stroke and edge detectors "
    "of 5x5 patches; the second layer, seeing 10x10 regions, responds to coarser parts of shapes."
)
SIZE = 16


def build() -> nn.Sequential:
    """The two-layer CNN for 1x16x16 images."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * (SIZE // 4) ** 2, 10),
    )


def smoothness(filters: np.ndarray) -> float:
    """Mean correlation of horizontally and vertically adjacent weights of each filter
    ``(K, h, w)``, its mean removed: ~0 for noise, towards 1 for smooth patterns."""
    centred = filters - filters.mean(axis=(1, 2), keepdims=True)
    neighbours = (centred[:, 1:] * centred[:, :-1]).sum(axis=(1, 2)) + (
        centred[:, :, 1:] * centred[:, :, :-1]
    ).sum(axis=(1, 2))
    return float(np.mean(neighbours / (2 * (centred**2).sum(axis=(1, 2)))))


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train the CNN; return its filters before and after, the feature maps of one test image
    after each conv + ReLU, the test accuracy and the receptive fields."""
    steps = 200 if quick else 2000
    train_x, train_y = digits(train=True, count=1000 if quick else None, size=SIZE, seed=seed)
    test_x, test_y = digits(train=False, size=SIZE)
    manual_seed(seed)
    model = build()
    # Start the first layer at 0.3 of PyTorch's scale, so that its trained filters show what
    # the data put there rather than the random start; zero biases keep every filter alive.
    model[0].weight.data *= 0.3
    nn.init.zeros_(model[0].bias)
    initial = model[0].weight.detach().numpy()[:, 0].copy()
    loss, _ = train(
        model, optim.Adam(model.parameters(), lr=3e-3), batches(train_x, train_y, 32, seed), steps
    )
    image = test_x[np.flatnonzero(test_y == 3)[0]][None]  # one test image of a 3
    model.eval()
    with no_grad():
        first = model[1](model[0](from_numpy(image)))
        second = model[4](model[3](model[2](first)))
    fields = receptive_field([5, (2, 2), 3, (2, 2)]).per_layer
    trained = model[0].weight.detach().numpy()[:, 0]
    return jsonable(
        {
            "loss": loss,
            "test_accuracy": evaluate(model, test_x, test_y)[1],
            "initial_filters": initial,
            "filters": trained,
            "smoothness_initial": smoothness(initial),
            "smoothness_trained": smoothness(trained),
            "image": image[0, 0],
            "maps_layer1": first.detach().numpy()[0],
            "maps_layer2": second.detach().numpy()[0],
            "receptive_field_layer1": fields[0][0],
            "receptive_field_layer2": fields[2][0],
        }
    )


def key_numbers(data: dict) -> dict:
    """Accuracy, filter smoothness before and after training, receptive fields."""
    return {
        "test accuracy": data["test_accuracy"],
        "first-layer filter smoothness at init": data["smoothness_initial"],
        "first-layer filter smoothness trained": data["smoothness_trained"],
        "receptive field of layer 1 (pixels)": data["receptive_field_layer1"],
        "receptive field of layer 2 (pixels)": data["receptive_field_layer2"],
    }


def _show(ax, image, title: str | None = None, cmap: str = "gray", symmetric: bool = False):
    image = np.asarray(image)
    if symmetric:
        limit = float(np.abs(image).max()) or 1.0
        ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap=cmap)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def render(data: dict, path: str | Path) -> Path:
    """Rows: filters at init; trained filters; the image and its 8 layer-1 maps; its 16
    layer-2 maps."""
    plt = pyplot()
    fig, axes = plt.subplots(5, 9, figsize=(11, 7))
    for ax in axes.flat:
        ax.axis("off")
    rows = (
        ("initial_filters", f"init (smoothness {data['smoothness_initial']:.2f})"),
        ("filters", f"trained (smoothness {data['smoothness_trained']:.2f})"),
    )
    for row, (key, label) in enumerate(rows):
        axes[row, 0].text(
            0.5,
            0.5,
            f"5x5 filters,\n{label}",
            ha="center",
            va="center",
            fontsize=8,
            transform=axes[row, 0].transAxes,
        )
        for column, weights in enumerate(data[key], start=1):
            axes[row, column].axis("on")
            _show(axes[row, column], weights, symmetric=True)
    axes[2, 0].axis("on")
    _show(axes[2, 0], data["image"], "input")
    for column, feature_map in enumerate(data["maps_layer1"], start=1):
        axes[2, column].axis("on")
        _show(axes[2, column], feature_map, f"layer 1 #{column}", cmap="magma")
    for index, feature_map in enumerate(data["maps_layer2"]):
        ax = axes[3 + index // 8, 1 + index % 8]
        ax.axis("on")
        _show(ax, feature_map, f"layer 2 #{index + 1}", cmap="magma")
    axes[3, 0].text(
        0.5,
        0.5,
        f"layer 2 maps\n(field {data['receptive_field_layer2']}x{data['receptive_field_layer2']})",
        ha="center",
        va="center",
        fontsize=8,
        transform=axes[3, 0].transAxes,
    )
    fig.suptitle(
        f"A CNN on the digits ({data['test_accuracy']:.0%} test): smooth first-layer "
        "filters, then coarser maps"
    )
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("filters", LESSON, run, key_numbers, render)
