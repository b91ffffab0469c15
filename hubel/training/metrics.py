"""Classification metrics on NumPy arrays: accuracy, confusion matrix, per-class accuracy."""

from __future__ import annotations

import numpy as np


def accuracy(predictions: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of predictions equal to the targets (class indices, shape (N,))."""
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    if predictions.shape != targets.shape:
        raise ValueError(
            f"accuracy: predictions {predictions.shape} and targets {targets.shape} "
            f"must have the same shape"
        )
    return float((predictions == targets).mean()) if targets.size else float("nan")


def confusion_matrix(predictions: np.ndarray, targets: np.ndarray, num_classes: int) -> np.ndarray:
    """counts[true, predicted]: row i says what the model answered for images of class i."""
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    if predictions.shape != targets.shape:
        raise ValueError(
            f"confusion_matrix: predictions {predictions.shape} and targets "
            f"{targets.shape} must have the same shape"
        )
    flat = targets.astype(np.int64) * num_classes + predictions.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of each class: the diagonal over the row sums (NaN for a class never seen)."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)
