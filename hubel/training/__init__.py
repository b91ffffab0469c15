"""Training: the loop (``Trainer``/``fit``), metrics, checkpoints, runs from a config, and BN
folding of a run's saved weights (``fold_saved``/``load_folded``)."""

from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .fold_io import fold_saved, load_folded
from .metrics import accuracy, confusion_matrix, per_class_accuracy
from .records import read_history
from .trainer import Trainer, TrainingDiverged, TrainingInterrupted, evaluate


def fit(model, optimizer, train_loader, val_loader=None, **options) -> list[dict]:
    """Train with a ``Trainer`` built from the same arguments; returns the metric history."""
    return Trainer(model, optimizer, train_loader, val_loader, **options).fit()
