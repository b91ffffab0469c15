"""Batch normalization: faster, steadier training, and a layer that behaves differently at
inference.

Lesson: standardising every layer's input over the batch lets a deep net train at a learning
rate that makes the same net without BN diverge (or its ReLUs die, leaving it at chance); at
inference BN uses the running averages gathered in training instead of the batch's
statistics, so train-mode and eval-mode outputs differ, and if those averages were never
updated the trained net collapses at test time.

Three parts, all on the digits with a ReLU MLP of six hidden layers of 64 units:
1. the nets with and without ``BatchNorm1d`` trained with SGD at learning rate 0.5;
2. the trained BN net's outputs for the same images in train mode (statistics of whichever
   batch they arrive in) and in eval mode (running statistics, the same whatever the batch);
3. its test accuracy with the running statistics reset to their initial mean 0, variance 1,
   as if they had never been updated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..backend import manual_seed
from ..models import MLP
from ..tensor import from_numpy
from .common import batches, digits, evaluate, jsonable, pyplot, save_figure, train
from .registry import register_experiment

LESSON = (
    "At learning rate 0.5 the net without BN blows up (NaN, or dead at chance) while the BN net "
    "trains; at inference BN uses running averages, and never-updated ones wreck the accuracy."
)
HIGH_LR, SAFE_LR = 0.5, 0.05
RUNS = {  # name: (batch norm, learning rate)
    f"BN, lr {HIGH_LR}": (True, HIGH_LR),
    f"no BN, lr {HIGH_LR}": (False, HIGH_LR),
    f"no BN, lr {SAFE_LR}": (False, SAFE_LR),
}


def _snapshot(model: nn.Module) -> dict:
    """A copy of the running statistics (and batch counters) of every BN layer."""
    return {name: buffer.detach().numpy().copy() for name, buffer in model.named_buffers()}


def _restore(model: nn.Module, saved: dict) -> None:
    for name, buffer in model.named_buffers():
        buffer.data[...] = saved[name]


def _outputs(model: nn.Module, images: np.ndarray, training: bool) -> np.ndarray:
    """The logits in train or eval mode, leaving the running statistics as they were (a
    forward pass in train mode would update them)."""
    saved = _snapshot(model)
    model.train(training)
    with no_grad():
        logits = model(from_numpy(images)).detach().numpy()
    _restore(model, saved)
    model.eval()
    return logits


def run(quick: bool = True, seed: int = 0) -> dict:
    """Train the three nets; compare train-mode and eval-mode outputs of the BN net; evaluate
    it with never-updated running statistics."""
    steps = 150 if quick else 1500
    train_x, train_y = digits(train=True, count=800 if quick else None, seed=seed)
    test_x, test_y = digits(train=False)
    train_x, test_x = train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)
    curves, models = {}, {}
    for name, (batchnorm, lr) in RUNS.items():
        manual_seed(seed)
        model = MLP(64, hidden=(64,) * 6, batchnorm=batchnorm, init="kaiming")
        optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is one of the outcomes
            loss, _ = train(model, optimizer, batches(train_x, train_y, 64, seed), steps)
        curves[name] = {
            "loss": loss,
            "diverged_at": len(loss) if len(loss) < steps else None,
            "test_accuracy": evaluate(model, test_x, test_y)[1] if len(loss) == steps else None,
        }
        models[name] = model
    model = models[f"BN, lr {HIGH_LR}"]

    # 2. The same 8 images inside two different batches of 64.
    images = test_x[:8]
    others = np.random.default_rng(seed).permutation(np.arange(8, len(test_x)))
    batch_a = np.concatenate([images, test_x[others[:56]]])
    batch_b = np.concatenate([images, test_x[others[56:112]]])
    train_a = _outputs(model, batch_a, training=True)[:8]
    train_b = _outputs(model, batch_b, training=True)[:8]
    eval_a = _outputs(model, batch_a, training=False)[:8]
    eval_b = _outputs(model, batch_b, training=False)[:8]

    # 3. Running statistics as if never updated: mean 0, variance 1.
    saved = _snapshot(model)
    bn_layers = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    for layer in bn_layers:
        layer.reset_running_stats()
    stale_accuracy = evaluate(model, test_x, test_y)[1]
    _restore(model, saved)
    # Train mode on the whole test set at once: the batch's own statistics, which at test time
    # means one image's answer depends on which others are tested with it.
    batch_stats_logits = _outputs(model, test_x, training=True)
    return jsonable(
        {
            "steps": steps,
            "curves": curves,
            "train_mode": {"batch A": train_a, "batch B": train_b},
            "eval_mode": {"batch A": eval_a, "batch B": eval_b},
            "train_vs_eval_max_gap": float(np.abs(train_a - eval_a).max()),
            "train_mode_batch_dependence": float(np.abs(train_a - train_b).max()),
            "eval_mode_batch_dependence": float(np.abs(eval_a - eval_b).max()),
            "test_accuracy": {
                "eval mode, running statistics": evaluate(model, test_x, test_y)[1],
                "eval mode, statistics never updated": stale_accuracy,
                "train mode, test-batch statistics": float(
                    (batch_stats_logits.argmax(axis=1) == test_y).mean()
                ),
            },
            "running_mean_first_layer": bn_layers[0].running_mean.detach().numpy(),
        }
    )


def key_numbers(data: dict) -> dict:
    """Divergence or final loss of each run; the train/eval gap; the test accuracies."""
    numbers = {}
    for name, entry in data["curves"].items():
        if entry["diverged_at"] is not None:
            numbers[f"{name}: loss NaN at step"] = entry["diverged_at"]
        else:
            numbers[f"{name}: test accuracy"] = entry["test_accuracy"]
    numbers["same images, max |train-mode - eval-mode logits|"] = data["train_vs_eval_max_gap"]
    numbers["train mode: max change when batch-mates change"] = data["train_mode_batch_dependence"]
    numbers["eval mode: max change when batch-mates change"] = data["eval_mode_batch_dependence"]
    for name, accuracy in data["test_accuracy"].items():
        numbers[f"BN net test accuracy, {name}"] = accuracy
    return numbers


def render(data: dict, path: str | Path) -> Path:
    """Loss curves; train-mode against eval-mode logits; test accuracy by statistics used."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for name, entry in data["curves"].items():
        label = name + ("" if entry["diverged_at"] is None else f" (NaN at {entry['diverged_at']})")
        axes[0].plot(entry["loss"], label=label)
    axes[0].set(title="training loss (SGD + momentum 0.9)", xlabel="step", ylim=(0, 3.5))
    axes[0].legend(fontsize=8)
    for key, marker in (("batch A", "o"), ("batch B", "x")):
        train_logits = np.ravel(data["train_mode"][key])
        eval_logits = np.ravel(data["eval_mode"][key])
        axes[1].scatter(eval_logits, train_logits, marker=marker, s=14, label=f"in {key}")
    low, high = axes[1].get_xlim()
    axes[1].plot([low, high], [low, high], "k--", linewidth=0.8, label="train = eval")
    axes[1].set(
        title="same 8 images: logits in train vs eval mode",
        xlabel="eval mode (running stats)",
        ylabel="train mode (batch stats)",
    )
    axes[1].legend(fontsize=8)
    names = list(data["test_accuracy"])
    values = [data["test_accuracy"][name] for name in names]
    bars = axes[2].barh(range(len(names)), values, color=["C2", "C3", "C1"])
    axes[2].set_yticks(range(len(names)), [name.replace(", ", "\n") for name in names], fontsize=8)
    axes[2].bar_label(bars, [f"{v:.0%}" for v in values], fontsize=9)
    axes[2].set(title="BN net: test accuracy by the statistics used", xlim=(0, 1.1))
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle("Batch norm: trains at a high learning rate; train and eval mode differ")
    fig.tight_layout()
    return save_figure(fig, path)


EXPERIMENT = register_experiment("batchnorm", LESSON, run, key_numbers, render)
