"""``hubel train`` and ``hubel evaluate``: parse the options into a ``TrainConfig``, call
``hubel.training``, print the result."""

from __future__ import annotations

import argparse
import sys

from ..training.config import ACTIVATIONS, DATASETS, INITS, OPTIMIZERS, SCHEDULERS, TrainConfig


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 256,128, got {text!r}") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 256,128, got {text!r}")
    return sizes


RUN_FOLDER_RULES = """\
run folders:
  Every run writes one folder: config.toml, metrics.jsonl, checkpoint.npz, best.npz,
  weights.npz, summary.json, curves.png, confusion.png. Without --out it is a new
  runs/DATASET-MODEL-YYYYmmdd-HHMMSS (with -2, -3, ... when runs start in the same second).
  A folder that already holds a run is refused: continue it with --resume, pick another
  --out, or pass --overwrite to replace it. Two runs never write to one folder at once.

resuming:
  --resume RUN_DIR continues from the checkpoint exactly as if never interrupted (Ctrl-C
  saves one). The run keeps its config.toml: a flag that differs from it is an error, except
  --data-root (where the data is) and --epochs, which extends or shortens a run with
  --scheduler none; step and cosine schedules are laid out over the run's length, so their
  epochs cannot change. config.toml changes only once the checkpoint has loaded, and then
  describes a run that `hubel train --config RUN_DIR/config.toml` reproduces.

stops:
  A NaN or infinite loss, validation loss, weight or optimizer state stops the run (exit 1),
  naming the step and the last good checkpoint kept (every checkpoint written is finite).
  Ctrl-C saves a checkpoint and exits with 130.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a model; default: the homework MLP on the bundled digits",
        description="Train a classifier and write a run folder (config, metrics, checkpoint, "
        "weights, summary, plots). Defaults depend on the dataset: digits trains a "
        "64-128-64-10 MLP for 30 epochs at batch 64; cifar10 trains the homework's "
        "3072-1024-512-10 MLP for 20 epochs at batch 128. Adam with lr 1e-3 unless told "
        "otherwise.",
        epilog=RUN_FOLDER_RULES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--config",
        metavar="FILE",
        help="a TOML file with any of the options below, keys spelled with underscores "
        "(batch_size = 64); flags given as well win. A run's config.toml repeats that run",
    )
    p.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR from its checkpoint (see 'resuming' below)",
    )
    p.add_argument(
        "--out",
        metavar="RUN_DIR",
        help="the run folder (default: a new runs/DATASET-MODEL-TIMESTAMP)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the run already in --out (its run files are deleted first)",
    )
    p.add_argument("--dataset", choices=DATASETS, help="digits (bundled, default) or cifar10")
    p.add_argument("--model", help="mlp (default) or a model name from `hubel models`")
    p.add_argument(
        "--hidden",
        type=_sizes,
        help="MLP hidden layer sizes, e.g. 1024,512 (default 128,64 for digits, 1024,512 "
        "for cifar10)",
    )
    p.add_argument(
        "--activation", choices=ACTIVATIONS, help="the MLP's nonlinearity (default relu)"
    )
    p.add_argument(
        "--init",
        choices=INITS,
        help="the MLP's weight init: default is PyTorch's U(±1/sqrt(fan_in)); zeros shows "
        "the symmetry trap; xavier (Glorot, for tanh/sigmoid) and kaiming (He, for ReLU) keep "
        "the signal's scale through the layers; small N(0, 0.01²) and large N(0, 1) are the "
        "naive choices whose signal vanishes or explodes",
    )
    p.add_argument(
        "--dropout", type=float, help="drop probability after each hidden layer (default 0)"
    )
    p.add_argument(
        "--batchnorm",
        action=argparse.BooleanOptionalAction,
        help="BatchNorm1d after each hidden Linear layer (default off)",
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS, help="the optimizer (default adam)")
    p.add_argument("--lr", type=float, help="learning rate (default adam 1e-3, sgd 0.05)")
    p.add_argument("--momentum", type=float, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, help="L2 weight decay (default 0)")
    p.add_argument(
        "--epochs",
        type=int,
        help="passes over the training set (default 30 for digits, 20 for cifar10)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        help="images per optimizer step (default 64 for digits, 128 for cifar10)",
    )
    p.add_argument(
        "--scheduler",
        choices=SCHEDULERS,
        help="learning rate per epoch: none (constant, default), step (x0.1 every third of "
        "the epochs), cosine (from lr to 0 over the epochs)",
    )
    p.add_argument("--clip-grad", type=float, help="clip the gradients' global norm to this")
    p.add_argument(
        "--patience",
        type=int,
        help="stop early after this many epochs without a better validation loss",
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        help="share of the training set held out for validation (default 0.1; 0: none)",
    )
    p.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help="random crop (and for cifar10 horizontal flip) of each training image",
    )
    p.add_argument("--seed", type=int, help="same seed, same result (default 0)")
    p.add_argument(
        "--data-root",
        help="where CIFAR-10 is cached (default $HUBEL_DATA, else ~/.cache/hubel); cifar10 "
        "only: the digits are bundled",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run_train)

    e = subparsers.add_parser(
        "evaluate",
        help="recompute a run's test metrics from its weights",
        description="Rebuild a run's model from its config.toml, load its saved weights and "
        "print the test accuracy, the test loss and the accuracy of each class. Reads the "
        "run folder, writes nothing.",
    )
    e.add_argument("run_dir", help="a folder written by `hubel train`")
    e.add_argument(
        "--weights",
        choices=["weights", "best"],
        default="weights",
        help="weights.npz, the final weights (default), or best.npz, the weights of the "
        "epoch with the best validation loss",
    )
    e.set_defaults(func=run_evaluate)


_FIELDS = (
    "dataset",
    "model",
    "hidden",
    "activation",
    "init",
    "dropout",
    "batchnorm",
    "optimizer",
    "lr",
    "momentum",
    "weight_decay",
    "epochs",
    "batch_size",
    "scheduler",
    "clip_grad",
    "patience",
    "val_fraction",
    "augment",
    "seed",
    "data_root",
)


def _given(args) -> dict:
    """The config fields the user typed (every flag defaults to None)."""
    return {name: getattr(args, name) for name in _FIELDS if getattr(args, name) is not None}


def config_from_args(args) -> TrainConfig:
    from ..training.config import from_toml

    if args.config:
        return from_toml(args.config, **_given(args))
    return TrainConfig(**_given(args))


def _print_summary(summary: dict, run_dir) -> None:
    per_class = "  ".join(
        f"{name} {acc:.0%}" for name, acc in summary["per_class_accuracy"].items()
    )
    print(f"per-class test accuracy: {per_class}")
    print(
        f"train accuracy {summary['train_accuracy']:.2%}   "
        f"test accuracy {summary['test_accuracy']:.2%}   "
        f"({summary['epochs']} epochs, {summary['seconds']:.1f}s)"
    )
    print(f"run folder: {run_dir}")


def run_train(args) -> int:
    from ..training.run import Run, resume_run
    from ..training.trainer import TrainingDiverged, TrainingInterrupted

    progress = False if args.quiet else None
    if args.resume:
        for flag, value in (("--out", args.out), ("--config", args.config)):
            if value is not None:
                raise ValueError(
                    f"{flag} cannot be combined with --resume: a resumed run continues in its "
                    f"own folder with its own config.toml"
                )
        if args.overwrite:
            raise ValueError("--overwrite cannot be combined with --resume")
    elif args.overwrite and args.out is None:
        raise ValueError(
            "--overwrite replaces the run in --out RUN_DIR; without --out every run gets a new "
            "folder, so there is nothing to overwrite"
        )
    try:
        if args.resume:
            summary = resume_run(args.resume, _given(args), progress=progress)
            run_dir = args.resume
        else:
            run = Run(config_from_args(args), args.out, progress=progress)
            summary = run.fit(overwrite=args.overwrite)
            run_dir = run.run_dir
    except (TrainingDiverged, TrainingInterrupted) as stop:
        print(f"stopped: {stop}", file=sys.stderr)
        return 1 if isinstance(stop, TrainingDiverged) else 130
    _print_summary(summary, run_dir)
    return 0


def run_evaluate(args) -> int:
    from ..training.run import evaluate_run

    result = evaluate_run(args.run_dir, args.weights)
    print(f"test accuracy {result['test_accuracy']:.2%}   test loss {result['test_loss']:.4f}")
    classes = result["classes"] or range(len(result["per_class_accuracy"]))
    for name, acc in zip(classes, result["per_class_accuracy"]):
        print(f"  {str(name):>12}  {acc:.2%}")
    return 0
