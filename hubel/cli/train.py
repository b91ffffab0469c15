"""``hubel train`` and ``hubel evaluate``: parse the options into a ``TrainConfig``, call
``hubel.training``, print the result."""

from __future__ import annotations

import argparse
import sys

from ..training.config import DATASETS, OPTIMIZERS, SCHEDULERS, TrainConfig


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 256,128, got {text!r}") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 256,128, got {text!r}")
    return sizes


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a model; default: the homework MLP on the bundled digits",
        description="Train a classifier and write a run folder (config, metrics, checkpoint, "
        "weights, summary, plots). Defaults depend on the dataset: digits trains a "
        "64-128-64-10 MLP for 30 epochs; cifar10 trains the homework's 3072-1024-512-10 MLP "
        "for 20 epochs. Adam with lr 1e-3 unless told otherwise.",
    )
    p.add_argument("--config", help="a TOML file with any of the options below (flags win)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    p.add_argument("--dataset", choices=DATASETS, help="digits (bundled, default) or cifar10")
    p.add_argument("--model", help="mlp (default) or a model name from `hubel models`")
    p.add_argument("--hidden", type=_sizes, help="MLP hidden sizes, e.g. 1024,512")
    p.add_argument("--activation", choices=["relu", "tanh", "sigmoid", "leaky_relu", "gelu"])
    p.add_argument("--init", choices=["default", "zeros", "xavier", "kaiming", "small", "large"])
    p.add_argument("--dropout", type=float, help="drop probability after each hidden layer")
    p.add_argument("--batchnorm", action="store_true", default=None, help="BatchNorm1d layers")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=float, help="learning rate (adam 1e-3, sgd 0.05)")
    p.add_argument("--momentum", type=float, help="SGD momentum (default 0.9)")
    p.add_argument("--weight-decay", type=float, help="L2 weight decay (default 0)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--scheduler", choices=SCHEDULERS, help="learning-rate schedule per epoch")
    p.add_argument("--clip-grad", type=float, help="clip the gradients' global norm to this")
    p.add_argument("--patience", type=int, help="early stopping after N epochs without progress")
    p.add_argument("--val-fraction", type=float, help="validation share of the train set (0.1)")
    p.add_argument("--augment", action="store_true", default=None, help="random crop + flip")
    p.add_argument("--seed", type=int, help="same seed, same result (default 0)")
    p.add_argument("--data-root", help="where CIFAR-10 is cached (default ~/.cache/hubel)")
    p.add_argument("--out", help="run folder (default runs/DATASET-MODEL-TIMESTAMP)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run_train)

    e = subparsers.add_parser("evaluate", help="recompute a run's test metrics from its weights")
    e.add_argument("run_dir", help="a folder written by `hubel train`")
    e.add_argument(
        "--weights",
        choices=["weights", "best"],
        default="weights",
        help="final weights (default) or the best validation epoch's",
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


def config_from_args(args) -> TrainConfig:
    from ..training.config import from_toml

    given = {name: getattr(args, name) for name in _FIELDS if getattr(args, name) is not None}
    if args.config:
        return from_toml(args.config, **given)
    return TrainConfig(**given)


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
    try:
        if args.resume:
            summary = resume_run(args.resume, epochs=args.epochs, progress=progress)
            run_dir = args.resume
        else:
            run = Run(config_from_args(args), args.out, progress=progress)
            run_dir = run.run_dir
            summary = run.fit()
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
