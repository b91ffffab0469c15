"""``TrainConfig``: every choice of a training run, with per-dataset defaults, read from and
written to TOML (the run folder keeps the exact config that produced it)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATASETS = ("digits", "cifar10")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULERS = ("none", "step", "cosine")

# What a field left at None becomes, per dataset. CIFAR-10's are the homework's MLP.
DATASET_DEFAULTS = {
    "digits": {"hidden": (128, 64), "epochs": 30, "batch_size": 64},
    "cifar10": {"hidden": (1024, 512), "epochs": 20, "batch_size": 128},
}
OPTIMIZER_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 0.05, "rmsprop": 1e-3}


@dataclass
class TrainConfig:
    """A training run. ``None`` fields take the dataset's (or optimizer's) default."""

    dataset: str = "digits"
    model: str = "mlp"
    hidden: tuple[int, ...] | None = None
    activation: str = "relu"
    init: str = "default"
    dropout: float = 0.0
    batchnorm: bool = False
    optimizer: str = "adam"
    lr: float | None = None
    momentum: float = 0.9
    weight_decay: float = 0.0
    epochs: int | None = None
    batch_size: int | None = None
    scheduler: str = "none"
    clip_grad: float | None = None
    patience: int | None = None
    val_fraction: float = 0.1
    augment: bool = False
    seed: int = 0
    data_root: str | None = None
    extra: dict = field(default_factory=dict)

    def resolved(self) -> TrainConfig:
        """A copy with the defaults filled in, after checking every field."""
        self.validate()
        defaults = DATASET_DEFAULTS[self.dataset]
        out = dataclasses.replace(self)
        for name in ("hidden", "epochs", "batch_size"):
            if getattr(out, name) is None:
                setattr(out, name, defaults[name])
        if out.lr is None:
            out.lr = OPTIMIZER_LR[out.optimizer]
        out.hidden = tuple(out.hidden)
        return out

    def validate(self) -> None:
        def check(condition, name, expected):
            if not condition:
                raise ValueError(f"{name}: expected {expected}, got {getattr(self, name)!r}")

        check(self.dataset in DATASETS, "dataset", f"one of {DATASETS}")
        check(self.optimizer in OPTIMIZERS, "optimizer", f"one of {OPTIMIZERS}")
        check(self.scheduler in SCHEDULERS, "scheduler", f"one of {SCHEDULERS}")
        check(self.lr is None or self.lr > 0, "lr", "a positive number")
        check(
            self.epochs is None or (isinstance(self.epochs, int) and self.epochs > 0),
            "epochs",
            "a positive int",
        )
        check(
            self.batch_size is None or (isinstance(self.batch_size, int) and self.batch_size > 0),
            "batch_size",
            "a positive int",
        )
        check(0.0 <= self.dropout < 1.0, "dropout", "a drop probability in [0, 1)")
        check(0.0 <= self.val_fraction < 1.0, "val_fraction", "a fraction in [0, 1)")
        check(self.weight_decay >= 0, "weight_decay", "a number >= 0")
        check(0.0 <= self.momentum < 1.0, "momentum", "a number in [0, 1)")
        check(self.clip_grad is None or self.clip_grad > 0, "clip_grad", "a positive number")
        check(self.patience is None or self.patience > 0, "patience", "a positive int")
        check(
            self.hidden is None or all(isinstance(h, int) and h > 0 for h in self.hidden),
            "hidden",
            "positive layer sizes, e.g. 256,128",
        )


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"config: cannot write a {type(value).__name__} to TOML")


def to_toml(config: TrainConfig) -> str:
    """The config as TOML (fields that are None are left out: they mean "default")."""
    lines = ["# hubel training run: `hubel train --config THIS_FILE` repeats it"]
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if value is None or (f.name == "extra" and not value):
            continue
        if f.name == "extra":
            lines.append("[extra]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
        else:
            lines.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def from_toml(path: str | Path, **overrides) -> TrainConfig:
    """Read a config file; unknown keys are an error naming them."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config: no such file {str(path)!r}")
    with path.open("rb") as f:
        data = tomllib.load(f)
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"config {str(path)!r}: unknown keys {unknown}; known keys: {sorted(known)}"
        )
    if "hidden" in data:
        data["hidden"] = tuple(data["hidden"])
    data.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig(**data)
