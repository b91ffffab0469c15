"""The training loop: epochs of forward, loss, backward, update, with validation, checkpoints,
resumption, early stopping and a clear stop when the loss diverges.

    trainer = Trainer(model, optimizer, train_loader, val_loader, epochs=10, run_dir="runs/a")
    history = trainer.fit()              # or trainer.fit(resume=True) after an interruption
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..backend import get_array_module, get_rng_state, set_rng_state
from ..serialization import save
from ..tensor import Tensor
from .checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from .metrics import accuracy
from .progress import make_progress
from .records import write_history


class TrainingDiverged(RuntimeError):
    """The loss, the validation loss, the weights or the optimizer state became NaN or
    infinite; the run stopped and kept its last good checkpoint."""


class TrainingInterrupted(RuntimeError):
    """Ctrl-C: the run saved a checkpoint and stopped; ``fit(resume=True)`` continues it."""


def non_finite_entries(tree, prefix: str = "") -> list[str]:
    """The paths (``"model.fc1.weight"``) of the tensors, arrays and floats in a nested state
    (dicts, lists) that hold a NaN or an infinity."""
    if isinstance(tree, dict):
        return [
            bad
            for key, value in tree.items()
            for bad in non_finite_entries(value, f"{prefix}{key}.")
        ]
    if isinstance(tree, list | tuple):
        return [
            bad
            for i, value in enumerate(tree)
            for bad in non_finite_entries(value, f"{prefix}{i}.")
        ]
    if isinstance(tree, Tensor):
        tree = tree.data
    xp = get_array_module(tree)  # checked where the array lives: no copy off the GPU
    if isinstance(tree, xp.ndarray) and tree.dtype.kind in "fc":
        return [] if bool(xp.isfinite(tree).all()) else [prefix[:-1]]
    if isinstance(tree, float) and not math.isfinite(tree):
        return [prefix[:-1]]
    return []


def evaluate(model, loader, loss_fn: Callable = F.cross_entropy) -> dict:
    """Loss and accuracy of ``model`` over ``loader`` in eval mode, without gradients.

    Returns ``{"loss", "accuracy", "predictions", "targets"}`` (the last two as arrays).
    The model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    total, count, predictions, targets = 0.0, 0, [], []
    try:
        with no_grad():
            for inputs, labels in loader:
                logits = model(inputs)
                total += float(loss_fn(logits, labels, reduction="sum").item())
                count += labels.shape[0]
                predictions.append(logits.data.argmax(axis=1))
                targets.append(labels.detach().numpy())
    finally:
        model.train(was_training)
    predictions = np.concatenate(predictions) if predictions else np.zeros(0, np.int64)
    targets = np.concatenate(targets) if targets else np.zeros(0, np.int64)
    return {
        "loss": total / max(count, 1),
        "accuracy": accuracy(predictions, targets),
        "predictions": predictions,
        "targets": targets,
    }


class _StopFlag:
    """Turns the first Ctrl-C into a request to stop after the current step (so parameters
    are never saved half-updated); a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class Trainer:
    """Train ``model`` with ``optimizer`` on ``train_loader`` for ``epochs`` epochs.

    Each epoch: train (mean loss, accuracy, images/s), validate on ``val_loader`` if given, step
    the ``scheduler`` (per epoch), append the metrics to ``history`` and, with a ``run_dir``,
    write ``metrics.jsonl`` and an atomic ``checkpoint.npz``. ``clip_grad_norm`` rescales the
    gradients to at most that global L2 norm. ``patience`` stops after that many epochs without
    a better validation loss (``best.npz`` keeps the best weights).

    A checkpoint is written only when it is good: the weights, buffers and optimizer state are
    all finite, and so is the validation loss. When one of them (or a training loss) is not,
    ``fit`` raises ``TrainingDiverged`` naming what went wrong and the checkpoint it kept.
    A fresh ``fit()`` refuses a ``run_dir`` that already holds a checkpoint (``FileExistsError``):
    continue that run with ``fit(resume=True)`` or pass another folder.
    """

    def __init__(
        self,
        model,
        optimizer,
        train_loader,
        val_loader=None,
        *,
        epochs: int = 10,
        loss_fn: Callable = F.cross_entropy,
        scheduler=None,
        clip_grad_norm: float | None = None,
        patience: int | None = None,
        run_dir: str | Path | None = None,
        progress: bool | None = None,
        log: Callable[[str], None] = print,
    ):
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"Trainer: epochs must be a positive int, got {epochs!r}")
        if clip_grad_norm is not None and not clip_grad_norm > 0:
            raise ValueError(f"Trainer: clip_grad_norm must be > 0 or None, got {clip_grad_norm}")
        if patience is not None and (not isinstance(patience, int) or patience < 1):
            raise ValueError(f"Trainer: patience must be a positive int or None, got {patience!r}")
        self.model, self.optimizer = model, optimizer
        self.train_loader, self.val_loader = train_loader, val_loader
        self.epochs, self.loss_fn, self.scheduler = epochs, loss_fn, scheduler
        self.clip_grad_norm, self.patience = clip_grad_norm, patience
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.progress, self.log = progress, log
        self.history: list[dict] = []
        self.epoch = 0  # completed epochs
        self.best = {"loss": math.inf, "epoch": 0}
        self.epochs_without_improvement = 0
        self._partial: dict | None = None  # running sums of an interrupted epoch
        self._kept: str | None = None  # what the checkpoint on disk holds, for messages

    # -------------------------------------------------------------- checkpoint state
    def state_dict(self) -> dict:
        state = {
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "train_loader": self.train_loader.state_dict(),
            "rng": get_rng_state(),
            "history": self.history,
            "best": self.best,
            "epochs_without_improvement": self.epochs_without_improvement,
            "partial": self._partial,
        }
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        if self.val_loader is not None and hasattr(self.val_loader, "state_dict"):
            state["val_loader"] = self.val_loader.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.train_loader.load_state_dict(state["train_loader"])
        if self.scheduler is not None and "scheduler" in state:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.val_loader is not None and "val_loader" in state:
            self.val_loader.load_state_dict(state["val_loader"])
        set_rng_state(state["rng"])
        self.epoch = int(state["epoch"])
        self.history = list(state["history"])
        self.best = dict(state["best"])
        self.epochs_without_improvement = int(state["epochs_without_improvement"])
        self._partial = state["partial"]
        self._kept = self._describe_position()

    def _describe_position(self) -> str:
        """Where the run stands, as a checkpoint taken now would record it."""
        if self._partial is not None:
            return f"epoch {self.epoch + 1} after {self._partial['count']} images (Ctrl-C)"
        last = self.history[-1] if self.history else {}
        loss = f", validation loss {last['val_loss']:.4g}" if "val_loss" in last else ""
        return f"end of epoch {self.epoch}{loss}"

    def _save(self) -> None:
        if self.run_dir is not None:
            save_checkpoint(self.run_dir, self.state_dict())
            self._kept = self._describe_position()

    def _write_history(self) -> None:
        if self.run_dir is not None:
            write_history(self.run_dir / "metrics.jsonl", self.history)

    def _non_finite_state(self) -> str | None:
        """What is not finite in the weights or the optimizer state, or None if all is."""
        for part, state in (
            ("weights", self.model.state_dict()),
            ("optimizer state", self.optimizer.state_dict()),
        ):
            bad = non_finite_entries(state)
            if bad:
                more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
                return f"the {part} became non-finite ({', '.join(bad[:3])}{more})"
        return None

    # -------------------------------------------------------------- the loop
    def fit(self, resume: bool = False) -> list[dict]:
        """Run the remaining epochs; ``resume=True`` first loads ``run_dir``'s checkpoint."""
        if resume:
            if self.run_dir is None:
                raise ValueError("fit(resume=True) needs the Trainer's run_dir")
            self.load_state_dict(load_checkpoint(self.run_dir))
        if self.run_dir is not None:
            fresh = self.epoch == 0 and self._partial is None
            if fresh and checkpoint_path(self.run_dir).exists():
                raise FileExistsError(
                    f"run_dir {str(self.run_dir)!r} already holds a run's checkpoint; continue "
                    f"it with fit(resume=True), or pass a new run_dir"
                )
            self.run_dir.mkdir(parents=True, exist_ok=True)
        self.model.train()
        with _StopFlag() as stop, make_progress(self.progress) as bar:
            while self.epoch < self.epochs and not self._should_stop_early():
                row = self._train_epoch(stop, bar)
                if row is None:  # interrupted: checkpoint saved mid-epoch
                    raise TrainingInterrupted(
                        f"interrupted during epoch {self.epoch + 1}; checkpoint saved to "
                        f"{checkpoint_path(self.run_dir) if self.run_dir else '(no run_dir)'}"
                        + (
                            f". Continue with: hubel train --resume {self.run_dir}"
                            if self.run_dir
                            else ""
                        )
                    )
                self._end_epoch(row, bar)
        return self.history

    def _should_stop_early(self) -> bool:
        if self.patience is None or self.epochs_without_improvement < self.patience:
            return False
        self.log(
            f"early stopping: no better validation loss for {self.patience} epochs "
            f"(best {self.best['loss']:.4f} at epoch {self.best['epoch']})"
        )
        return True

    def _train_epoch(self, stop: _StopFlag, bar) -> dict | None:
        sums = self._partial or {"loss": 0.0, "correct": 0, "count": 0, "seconds": 0.0}
        self._partial = None
        first_batch = self.train_loader.state_dict()["batches_done"]
        bar.start_epoch(self.epoch + 1, self.epochs, len(self.train_loader), first_batch)
        started = time.perf_counter() - sums["seconds"]
        for batch, (inputs, labels) in enumerate(self.train_loader, start=first_batch):
            self.optimizer.zero_grad()
            logits = self.model(inputs)
            loss = self.loss_fn(logits, labels)
            value = float(loss.item())
            if not math.isfinite(value):
                step = self.epoch * len(self.train_loader) + batch + 1
                self._diverged(
                    f"loss became {value} at epoch {self.epoch + 1}, batch {batch + 1} "
                    f"(step {step})"
                )
            loss.backward()
            if self.clip_grad_norm is not None:
                from ..nn.utils import clip_grad_norm_

                clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
            self.optimizer.step()
            n = labels.shape[0]
            sums["loss"] += value * n
            sums["correct"] += int((logits.data.argmax(axis=1) == labels.data).sum())
            sums["count"] += n
            elapsed = time.perf_counter() - started
            bar.update(
                batch + 1,
                sums["loss"] / sums["count"],
                sums["correct"] / sums["count"],
                sums["count"] / max(elapsed, 1e-9),
            )
            if stop.requested and batch + 1 < len(self.train_loader):
                problem = self._non_finite_state()
                if problem is not None:
                    self._diverged(f"{problem} at epoch {self.epoch + 1}, batch {batch + 1}")
                self._partial = {**sums, "seconds": elapsed}
                self._save()
                return None
        seconds = time.perf_counter() - started
        return {
            "epoch": self.epoch + 1,
            "train_loss": sums["loss"] / sums["count"],
            "train_accuracy": sums["correct"] / sums["count"],
            "lr": float(self.optimizer.param_groups[0]["lr"]),
            "seconds": seconds,
            "images_per_second": sums["count"] / seconds,
        }

    def _diverged(self, what: str) -> None:
        if self.run_dir is None:
            kept = "no checkpoint is kept (no run_dir)"
        elif self._kept is None:
            kept = "no checkpoint was written (none was good yet)"
        else:
            kept = (
                f"the last good checkpoint ({self._kept}) is kept at "
                f"{checkpoint_path(self.run_dir)}"
            )
        raise TrainingDiverged(
            f"{what}; {kept}. Usual remedies: lower the learning rate (now "
            f"{self.optimizer.param_groups[0]['lr']:g}), clip gradients (--clip-grad 1.0), "
            f"or use an init scaled for the activation (--init kaiming for ReLU, xavier for tanh)"
        )

    def _end_epoch(self, row: dict, bar) -> None:
        if self.val_loader is not None:
            result = evaluate(self.model, self.val_loader, self.loss_fn)
            row["val_loss"], row["val_accuracy"] = result["loss"], result["accuracy"]
            if not math.isfinite(row["val_loss"]):
                self._diverged(
                    f"validation loss became {row['val_loss']} at the end of epoch {row['epoch']}"
                )
        problem = self._non_finite_state()
        if problem is not None:
            self._diverged(f"{problem} at the end of epoch {row['epoch']}")
        monitored = row.get("val_loss", row["train_loss"])
        if monitored < self.best["loss"]:
            self.best = {"loss": monitored, "epoch": row["epoch"]}
            self.epochs_without_improvement = 0
            if self.run_dir is not None:
                save(self.model.state_dict(), self.run_dir / "best.npz")
        else:
            self.epochs_without_improvement += 1
        if self.scheduler is not None:
            self.scheduler.step()
        self.history.append(row)
        self.epoch += 1
        bar.end_epoch(row)
        self._write_history()
        self._save()
