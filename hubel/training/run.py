"""A whole run from a ``TrainConfig``: data, model, optimizer, training, test evaluation, and a
run folder with everything needed to inspect, evaluate or resume it.

Run folder: ``config.toml``, ``metrics.jsonl`` (one JSON object per epoch), ``checkpoint.npz``
(resumable state), ``best.npz`` (weights with the best validation loss), ``weights.npz`` (final
weights), ``summary.json`` (test accuracy, per-class accuracy, confusion matrix, timings),
``curves.png`` and ``confusion.png`` (when matplotlib is installed).

A run folder is a record: a new run never writes into a folder that holds one (unless told to
overwrite it), default folders are unique even for runs started in the same second, only a
resume whose checkpoint loaded changes it, and every checkpoint in it is finite.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from pathlib import Path

import numpy as np

from .. import optim
from ..backend import manual_seed
from ..data import CIFAR10, DataLoader, Digits, train_val_split
from ..data import transforms as T
from ..models import get_model
from ..serialization import atomic_write_bytes, load, save
from .checkpoint import load_checkpoint
from .config import DATASETS, LENGTH_DEPENDENT_SCHEDULERS, TrainConfig, from_toml, to_toml
from .metrics import confusion_matrix, per_class_accuracy
from .records import write_json
from .run_folder import (
    CONFIG_NAME,
    SUMMARY_NAME,
    default_run_dir,
    lock_run_dir,
    refuse_existing_run,
    remove_stale_temporaries,
)
from .trainer import Trainer, evaluate

# Fields a resumed run may change: how long it trains (see resume_config), where its data is.
RESUMABLE_FIELDS = ("epochs", "data_root")

# Per-channel statistics of the CIFAR-10 training set (after scaling to [0, 1]).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def input_transform(config: TrainConfig) -> T.Transform:
    """uint8 images to the model's input, kept in image shape ``(N, C, H, W)``: scaled to
    [0, 1] (and, for CIFAR-10, normalised per channel). The MLP flattens them itself."""
    if config.dataset == "digits":
        return T.ToFloat(Digits.max_value)
    return T.Compose([T.ToFloat(255), T.Normalize(CIFAR10_MEAN, CIFAR10_STD)])


def train_augmentation(config: TrainConfig) -> list[T.Transform]:
    """For --augment: random crop and horizontal flip, on the uint8 images in image shape
    (the crop pads with black, as torchvision's RandomCrop on a PIL image does)."""
    if not config.augment:
        return []
    if config.dataset == "digits":  # flipping a digit changes its meaning; only shift it
        return [T.RandomCrop(8, padding=1)]
    return [T.RandomCrop(32, padding=4), T.RandomHorizontalFlip()]


def build_datasets(config: TrainConfig):
    """(train, validation or None, test) datasets of uint8 images ``(C, H, W)``; the loaders
    apply :func:`train_augmentation` and :func:`input_transform` a batch at a time."""
    if config.dataset == "digits":
        train, test = Digits(train=True), Digits(train=False)
    else:
        train = CIFAR10(config.data_root, train=True)
        test = CIFAR10(config.data_root, train=False)
    if config.val_fraction > 0:
        train, val = train_val_split(train, config.val_fraction, seed=config.seed)
    else:
        val = None
    return train, val, test


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


def resume_config(saved: TrainConfig, changes: dict | None = None) -> TrainConfig:
    """The config a resumed run continues with: ``saved`` (its ``config.toml``), with the
    ``changes`` asked for (fields; None means not asked).

    A resumed run keeps its config: a change to any field but ``epochs`` and ``data_root`` is
    refused (``ValueError`` naming each one); asking for the value the run already has is no
    change. ``data_root`` says where the data lives, not what the run is. ``epochs`` may extend
    (or shorten) a run whose learning rate does not depend on the run's length (scheduler
    ``none``): its ``config.toml`` then describes a run that ``--config`` reproduces. With
    ``step`` or ``cosine`` the epochs already trained followed the old length's schedule, so no
    config could describe the result: the change is refused.
    """
    saved = saved.resolved()
    changes = {name: value for name, value in (changes or {}).items() if value is not None}
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"resume: unknown config fields {unknown}; known: {sorted(known)}")
    if "hidden" in changes:
        changes["hidden"] = tuple(changes["hidden"])
    conflicts = [
        f"{name} = {value!r} (the run has {getattr(saved, name)!r})"
        for name, value in changes.items()
        if name not in RESUMABLE_FIELDS and value != getattr(saved, name)
    ]
    if conflicts:
        raise ValueError(
            f"resume: a resumed run keeps the config it started with, and these options differ "
            f"from it: {', '.join(conflicts)}. Drop them to continue the run, or start a new "
            f"run with them (another --out)"
        )
    config = dataclasses.replace(saved, **changes).resolved()
    if config.epochs != saved.epochs and saved.scheduler in LENGTH_DEPENDENT_SCHEDULERS:
        raise ValueError(
            f"epochs: the run's {saved.scheduler!r} learning-rate schedule is laid out over its "
            f"{saved.epochs} epochs, so the run cannot be changed to {config.epochs}: the epochs "
            f"trained so far followed the {saved.epochs}-epoch schedule. Start a new run with "
            f"--epochs {config.epochs} (only scheduler 'none' runs can be extended)"
        )
    return config


def _describe_removed(removed: list[tuple[str, int]]) -> str:
    names = ", ".join(f"{name} ({size / 2**20:.1f} MiB)" for name, size in removed)
    return f"removed {len(removed)} temporary file(s) left by an interrupted write: {names}"


class Run:
    """Everything a run is made of, built from its config (the same way on resume).

    Building a ``Run`` touches no files; :meth:`fit` writes the run folder ``run_dir`` (by
    default a new ``runs/DATASET-MODEL-TIMESTAMP``).
    """

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path | None = None,
        progress: bool | None = None,
        log=print,
    ):
        self.config = config.resolved()
        self.run_dir = Path(run_dir) if run_dir is not None else None
        c = self.config
        self.model = model_from_config(self.config)
        train, val, self.test_set = build_datasets(self.config)
        self.classes = getattr(self.test_set, "classes", None) or dataset_info(c.dataset)[1]
        self.num_classes = len(self.classes)
        self.optimizer = build_optimizer(self.config, self.model)
        self.scheduler = build_scheduler(self.config, self.optimizer)
        self.input_transform = input_transform(c)
        train_loader = DataLoader(
            train,
            c.batch_size,
            shuffle=True,
            seed=c.seed,
            transform=T.Compose([*train_augmentation(c), self.input_transform]),
        )
        self.trainer = Trainer(
            self.model,
            self.optimizer,
            train_loader,
            self.eval_loader(val) if val is not None else None,
            epochs=c.epochs,
            scheduler=self.scheduler,
            clip_grad_norm=c.clip_grad,
            patience=c.patience,
            run_dir=self.run_dir,
            progress=progress,
            log=log,
        )
        self.log = log

    def eval_loader(self, dataset) -> DataLoader:
        """Batches of ``dataset`` as the model sees them, in order, without augmentation."""
        return DataLoader(dataset, 512, transform=self.input_transform)

    def fit(self, resume: bool = False, overwrite: bool = False) -> dict:
        """Train (or continue), evaluate on the test set, write the run folder; the summary.

        A new run refuses a folder that already holds a run (``FileExistsError``) unless
        ``overwrite``, which deletes that run's files first. ``resume=True`` continues the run
        in ``run_dir`` from its checkpoint; its ``config.toml`` is rewritten (with this run's
        config) only once the checkpoint has loaded. Either way the folder is locked while
        the run writes to it, and temporary files an interrupted write left there are removed.
        """
        if resume and overwrite:
            raise ValueError("fit: resume=True continues a run; it cannot also overwrite it")
        if self.run_dir is None:
            if resume:
                raise ValueError("fit(resume=True) needs the run_dir of the run to continue")
            self.run_dir = self.trainer.run_dir = default_run_dir(
                self.config.dataset, self.config.model
            )
        elif resume and not self.run_dir.is_dir():
            raise FileNotFoundError(f"resume: no run folder {str(self.run_dir)!r}")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with lock_run_dir(self.run_dir):
            if not resume:
                replaced = refuse_existing_run(self.run_dir, overwrite)
                if replaced:
                    self.log(f"overwrite: removed the previous run's {', '.join(replaced)}")
            removed = remove_stale_temporaries(self.run_dir)
            if removed:
                self.log(_describe_removed(removed))
            if resume:
                self._load_checkpoint()
            atomic_write_bytes(self.run_dir / CONFIG_NAME, to_toml(self.config).encode())
            started = time.perf_counter()
            history = self.trainer.fit()
            seconds = time.perf_counter() - started
            save(self.model.state_dict(), self.run_dir / "weights.npz")
            summary = self.summarize(history, seconds)
            write_json(self.run_dir / SUMMARY_NAME, summary)
            self._plots(history, np.array(summary["confusion_matrix"]))
        return summary

    def _load_checkpoint(self) -> None:
        self.trainer.load_state_dict(load_checkpoint(self.run_dir))
        if self.trainer.epoch > self.config.epochs:
            raise ValueError(
                f"epochs: the run in {str(self.run_dir)!r} has already trained "
                f"{self.trainer.epoch} epochs; epochs = {self.config.epochs} would end it "
                f"before where it stands"
            )

    def summarize(self, history: list[dict], seconds: float) -> dict:
        test = evaluate(self.model, self.eval_loader(self.test_set))
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
    run_dir: str | Path, changes: dict | None = None, progress: bool | None = None, log=print
) -> dict:
    """Continue the run in ``run_dir`` from its checkpoint; ``changes`` (config fields, e.g.
    ``{"epochs": 40}``) are checked by :func:`resume_config`."""
    if not Path(run_dir).is_dir():
        raise FileNotFoundError(f"resume: no run folder {str(run_dir)!r}")
    saved = from_toml(Path(run_dir) / CONFIG_NAME)
    return Run(resume_config(saved, changes), run_dir, progress, log).fit(resume=True)


def evaluate_run(run_dir: str | Path, weights: str = "weights") -> dict:
    """Recompute the test metrics of a finished run from its saved weights."""
    run_dir = Path(run_dir)
    config = from_toml(run_dir / CONFIG_NAME)
    run = Run(config, run_dir, progress=False)
    path = run_dir / f"{weights}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"evaluate: no weights at {str(path)!r}")
    run.model.load_state_dict(load(path))
    test = evaluate(run.model, run.eval_loader(run.test_set))
    confusion = confusion_matrix(test["predictions"], test["targets"], run.num_classes)
    return {
        "test_loss": test["loss"],
        "test_accuracy": test["accuracy"],
        "confusion_matrix": confusion,
        "classes": run.classes,
        "per_class_accuracy": per_class_accuracy(confusion),
    }
