"""``TrainConfig``: every choice of a training run, with per-dataset defaults, read from and
written to TOML (the run folder keeps the exact config that produced it)."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..models import list_models
from ..models.mlp import ACTIVATIONS, INITS

DATASETS = ("digits", "cifar10")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULERS = ("none", "step", "cosine")
# Schedules whose learning rate at epoch t depends on the run's total length: a run that uses
# one cannot be extended (the epochs already trained followed the shorter schedule).
LENGTH_DEPENDENT_SCHEDULERS = ("step", "cosine")

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
        """Check every field (see :meth:`check_fields`) and how they combine."""
        self.check_fields()
        if self.data_root is not None and self.dataset == "digits":
            raise ValueError(
                f"data_root: the digits dataset is bundled with hubel and reads no files; "
                f"data_root applies to cifar10 only, got {self.data_root!r} with digits"
            )

    def check_fields(self) -> None:
        """Check each field alone: ``TypeError`` for a value of the wrong type, ``ValueError``
        for one out of range, each naming the field, what it expects and what it got."""
        for name, (is_type, is_valid, expected) in _CHECKS.items():
            value = getattr(self, name)
            if value is None and name in _OPTIONAL:
                continue
            if not is_type(value):
                raise TypeError(
                    f"{name}: expected {expected}, got {value!r} ({type(value).__name__})"
                )
            if not is_valid(value):
                raise ValueError(f"{name}: expected {expected}, got {value!r}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one_of(choices):
    return lambda value: isinstance(value, str), lambda value: value in choices, f"one of {choices}"


def _number(is_valid, expected):
    return _is_number, is_valid, expected


def _int(is_valid, expected):
    return _is_int, is_valid, expected


def _is_sizes(value) -> bool:
    return isinstance(value, list | tuple) and all(_is_int(size) for size in value)


def _always(value) -> bool:
    return True


def _is_bool(value) -> bool:
    return isinstance(value, bool)


def _is_str(value) -> bool:
    return isinstance(value, str)


# field -> (type check, value check, what is expected); fields in _OPTIONAL may also be None.
_CHECKS = {
    "dataset": _one_of(DATASETS),
    "model": (
        _is_str,
        lambda name: name in list_models(),
        "a model name: mlp or one from `hubel models`",
    ),
    "hidden": (
        _is_sizes,
        lambda sizes: len(sizes) > 0 and all(size > 0 for size in sizes),
        "a list of positive layer sizes, e.g. [256, 128]",
    ),
    "activation": _one_of(tuple(ACTIVATIONS)),
    "init": _one_of(INITS),
    "dropout": _number(lambda p: 0.0 <= p < 1.0, "a drop probability in [0, 1)"),
    "batchnorm": (_is_bool, _always, "true or false"),
    "optimizer": _one_of(OPTIMIZERS),
    "lr": _number(lambda lr: lr > 0, "a positive number"),
    "momentum": _number(lambda m: 0.0 <= m < 1.0, "a number in [0, 1)"),
    "weight_decay": _number(lambda wd: wd >= 0, "a number >= 0"),
    "epochs": _int(lambda n: n > 0, "a positive int"),
    "batch_size": _int(lambda n: n > 0, "a positive int"),
    "scheduler": _one_of(SCHEDULERS),
    "clip_grad": _number(lambda norm: norm > 0, "a positive number"),
    "patience": _int(lambda n: n > 0, "a positive int"),
    "val_fraction": _number(lambda f: 0.0 <= f < 1.0, "a fraction in [0, 1)"),
    "augment": (_is_bool, _always, "true or false"),
    "seed": _int(lambda seed: seed >= 0, "a non-negative int"),
    "data_root": (_is_str, _always, "a folder path"),
    "extra": (lambda value: isinstance(value, dict), _always, "a table of model options"),
}
_OPTIONAL = {"hidden", "lr", "epochs", "batch_size", "clip_grad", "patience", "data_root"}


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
    """Read a config file, then apply ``overrides`` (those not None).

    Every error names the file: invalid TOML, unknown keys, and a key whose value has the wrong
    type (``TypeError``) or is out of range (``ValueError``), with the expected and given value.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config: no such file {str(path)!r}")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"config {str(path)!r}: not valid TOML: {error}") from None
    known = [f.name for f in dataclasses.fields(TrainConfig)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"config {str(path)!r}: unknown keys {unknown}; known keys: {known}")
    if isinstance(data.get("hidden"), list):
        data["hidden"] = tuple(data["hidden"])
    config = TrainConfig(**data)
    try:
        config.check_fields()
    except (TypeError, ValueError) as error:
        raise type(error)(f"config {str(path)!r}: key {error}") from None
    return dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
