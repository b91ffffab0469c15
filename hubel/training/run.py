"""A whole run from a ``TrainConfig``: data, model, optimizer, training, test evaluation, and a
run folder with everything needed to inspect, evaluate or resume it.

Run folder: ``config.toml``, ``metrics.jsonl`` (one JSON object per epoch), ``checkpoint.npz``
(resumable state), ``best.npz`` (weights with the best validation loss), ``weights.npz`` (final
weights), ``summary.json`` (test accuracy, per-class accuracy, confusion matrix, timings),
``curves.png`` and ``confusion.png`` (when matplotlib is installed).
"""

from __future__ import annotations

import inspect
import json
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from .. import optim
from ..backend import manual_seed
from ..data import CIFAR10, DataLoader, Digits, train_val_split
from ..data import transforms as T
from ..models import get_model
from ..serialization import atomic_write_bytes, load, save
from .config import DATASETS, TrainConfig, from_toml, to_toml
from .metrics import confusion_matrix, per_class_accuracy
from .trainer import Trainer, evaluate

# Per-channel statistics of the CIFAR-10 training set (after scaling to [0, 1]).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def build_datasets(config: TrainConfig):
    """(train, validation or None, test) datasets with the transforms the model needs."""
    flatten = [T.Flatten()] if config.model == "mlp" else []
    if config.dataset == "digits":
        transform = T.Compose([T.ToFloat(Digits.max_value), *flatten])
        train, test = Digits(True, transform), Digits(False, transform)
    else:
        normalize = [T.ToFloat(255), T.Normalize(CIFAR10_MEAN, CIFAR10_STD)]
        transform = T.Compose([*normalize, *flatten])
        train = CIFAR10(config.data_root, train=True, transform=transform)
        test = CIFAR10(config.data_root, train=False, transform=transform)
    if config.val_fraction > 0:
        train, val = train_val_split(train, config.val_fraction, seed=config.seed)
    else:
        val = None
    return train, val, test


def train_augmentation(config: TrainConfig):
    """Random crop (padding 4) and horizontal flip on the uint8 batch, for --augment."""
    if not config.augment:
        return None
    if config.dataset == "digits":  # flipping a digit changes its meaning; only shift it
        return T.RandomCrop(8, padding=1)
    return T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()])


def dataset_info(name: str) -> tuple[tuple, tuple]:
    """The shape of one input image (C, H, W) and the class names, without loading the data."""
    if name == "digits":
        return (1, 8, 8), Digits.classes
    if name == "cifar10":
        from ..data.cifar import CLASSES

        return (3, 32, 32), CLASSES
    raise ValueError(f"dataset: expected one of {DATASETS}, got {name!r}")


def build_model(config: TrainConfig, image_shape: tuple, num_classes: int):
    """The model named by ``config.model``, sized for the data."""
    if config.model == "mlp":
        return get_model(
            "mlp",
            in_features=int(np.prod(image_shape)),
            hidden=config.hidden,
            num_classes=num_classes,
            activation=config.activation,
            dropout=config.dropout,
            batchnorm=config.batchnorm,
            init=config.init,
        )
    from ..models import model_info

    builder = model_info(config.model).builder
    accepted = inspect.signature(builder).parameters
    offered = {
        "num_classes": num_classes,
        "in_channels": image_shape[0],
        "image_size": image_shape[1],
        **config.extra,
    }
    return get_model(config.model, **{k: v for k, v in offered.items() if k in accepted})


def build_optimizer(config: TrainConfig, model):
    params = model.parameters()
    if config.optimizer == "adam":
        return optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=config.lr, weight_decay=config.weight_decay)
    return optim.SGD(
        params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )


def build_scheduler(config: TrainConfig, optimizer):
    if config.scheduler == "step":
        return optim.lr_scheduler.StepLR(optimizer, step_size=max(config.epochs // 3, 1), gamma=0.1)
    if config.scheduler == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    return None


def model_from_config(config: TrainConfig):
    """The run's model, freshly initialised exactly as ``hubel train`` builds it (same seed,
    same weights), without touching the data."""
    config = config.resolved()
    manual_seed(config.seed)
    image_shape, classes = dataset_info(config.dataset)
    return build_model(config, image_shape, len(classes))


def default_run_dir(config: TrainConfig) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{config.dataset}-{config.model}-{stamp}"


class Run:
    """Everything a run is made of, built from its config (the same way on resume)."""

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path | None = None,
        progress: bool | None = None,
        log=print,
    ):
        self.config = config.resolved()
        self.run_dir = Path(run_dir) if run_dir is not None else default_run_dir(self.config)
        c = self.config
        self.model = model_from_config(self.config)
        train, val, self.test_set = build_datasets(self.config)
        self.classes = getattr(self.test_set, "classes", None) or dataset_info(c.dataset)[1]
        self.num_classes = len(self.classes)
        self.optimizer = build_optimizer(self.config, self.model)
        self.scheduler = build_scheduler(self.config, self.optimizer)
        train_loader = DataLoader(
            train, c.batch_size, shuffle=True, seed=c.seed, transform=train_augmentation(c)
        )
        val_loader = DataLoader(val, 512) if val is not None else None
        self.trainer = Trainer(
            self.model,
            self.optimizer,
            train_loader,
            val_loader,
            epochs=c.epochs,
            scheduler=self.scheduler,
            clip_grad_norm=c.clip_grad,
            patience=c.patience,
            run_dir=self.run_dir,
            progress=progress,
            log=log,
        )
        self.log = log

    def fit(self, resume: bool = False) -> dict:
        """Train (or continue), evaluate on the test set, write the run folder; the summary."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.run_dir / "config.toml", to_toml(self.config).encode())
        started = time.perf_counter()
        history = self.trainer.fit(resume=resume)
        seconds = time.perf_counter() - started
        save(self.model.state_dict(), self.run_dir / "weights.npz")
        summary = self.summarize(history, seconds)
        atomic_write_bytes(self.run_dir / "summary.json", json.dumps(summary, indent=2).encode())
        self._plots(history, np.array(summary["confusion_matrix"]))
        return summary

    def summarize(self, history: list[dict], seconds: float) -> dict:
        test = evaluate(self.model, DataLoader(self.test_set, 512))
        confusion = confusion_matrix(test["predictions"], test["targets"], self.num_classes)
        last = history[-1] if history else {}
        return {
            "dataset": self.config.dataset,
            "model": self.config.model,
            "parameters": int(sum(p.numel() for p in self.model.parameters())),
            "epochs": len(history),
            "best_epoch": self.trainer.best["epoch"],
            "train_loss": last.get("train_loss"),
            "train_accuracy": last.get("train_accuracy"),
            "val_accuracy": last.get("val_accuracy"),
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "per_class_accuracy": dict(
                zip([str(c) for c in self.classes], per_class_accuracy(confusion).round(4).tolist())
            ),
            "confusion_matrix": confusion.tolist(),
            "seconds": round(seconds, 2),
            "mean_epoch_seconds": round(float(np.mean([r["seconds"] for r in history])), 3)
            if history
            else None,
        }

    def _plots(self, history, confusion) -> None:
        try:
            from .plots import plot_confusion, plot_history
        except ImportError:  # pragma: no cover - matplotlib is optional
            return
        try:
            if history:
                plot_history(history, self.run_dir / "curves.png")
            plot_confusion(
                confusion, [str(c) for c in self.classes], self.run_dir / "confusion.png"
            )
        except ImportError:
            self.log("matplotlib is not installed: no plots (pip install 'hubel[plot]')")


def resume_run(
    run_dir: str | Path, epochs: int | None = None, progress: bool | None = None, log=print
) -> dict:
    """Continue the run in ``run_dir`` from its checkpoint (``epochs`` may extend it)."""
    config = from_toml(Path(run_dir) / "config.toml", epochs=epochs)
    return Run(config, run_dir, progress, log).fit(resume=True)


def evaluate_run(run_dir: str | Path, weights: str = "weights") -> dict:
    """Recompute the test metrics of a finished run from its saved weights."""
    run_dir = Path(run_dir)
    config = from_toml(run_dir / "config.toml")
    run = Run(config, run_dir, progress=False)
    path = run_dir / f"{weights}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"evaluate: no weights at {str(path)!r}")
    run.model.load_state_dict(load(path))
    test = evaluate(run.model, DataLoader(run.test_set, 512))
    confusion = confusion_matrix(test["predictions"], test["targets"], run.num_classes)
    return {
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
        "confusion_matrix": confusion,
        "classes": run.classes,
        "per_class_accuracy": per_class_accuracy(confusion),
    }
