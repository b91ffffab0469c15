"""BN folding on saved weights: a run folder or a weights file in, a folded weights file out.

It lives in ``training`` because it reads run folders (``config.toml``, the run's model); the
folding itself is ``hubel.analysis.fold_batchnorm``, which knows nothing of runs.

The folded file (``hb.save`` format) holds two entries:

* ``"state_dict"``: the folded model's parameters and buffers (each absorbed BatchNorm's keys
  are gone, its conv or linear layer has a ``bias``);
* ``"architecture"``: how to rebuild the model: the zoo name (``"model"``), the run's
  ``config.toml`` text when it came from a run folder (``"config"``), and which pairs were
  folded (``"folded"``) or left in place (``"left_in_place"``).

:func:`load_folded` reads it back: it rebuilds the architecture, folds it (folding decides from
the architecture alone, so the same pairs fold), and loads the folded weights.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..analysis.fold import fold_batchnorm
from ..analysis.fold_report import FoldResult
from ..models import get_model
from ..nn import Module
from ..serialization import load, save
from ..tensor import Tensor, zeros
from .config import from_toml
from .run import dataset_info, model_from_config

RUN_WEIGHTS, RUN_CONFIG = "weights.npz", "config.toml"


def _config_from_text(text: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / RUN_CONFIG
        path.write_text(text)
        return from_toml(path)


def _build(architecture: dict) -> tuple[Module, Tensor | None]:
    """A fresh model of ``architecture`` in eval mode, and an example batch for the trace
    (zeros of the run's image shape; None for a zoo model: the registry's input size is used)."""
    if "config" in architecture:
        config = _config_from_text(architecture["config"])
        image_shape, _ = dataset_info(config.dataset)
        return model_from_config(config).eval(), zeros(2, *image_shape)
    return get_model(architecture["model"]).eval(), None


def _state_dict(saved) -> dict:
    """A state dict, or the model's part of a training checkpoint."""
    if isinstance(saved, dict) and isinstance(saved.get("model"), dict):
        return saved["model"]
    if isinstance(saved, dict) and all(isinstance(v, Tensor) for v in saved.values()):
        return saved
    keys = f" with keys {list(saved)[:5]}" if isinstance(saved, dict) else ""
    raise ValueError(
        "fold: expected a weights file holding a state dict (weights.npz, best.npz) or a "
        f"training checkpoint, got a {type(saved).__name__}{keys}"
    )


def model_from_saved(source: str | os.PathLike, model: str | None = None):
    """Rebuild the model that ``source`` holds weights for, weights loaded, in eval mode.

    ``source`` is a run folder (its ``config.toml`` and ``weights.npz``) or a weights file;
    a weights file takes the zoo name ``model``, or else the ``config.toml`` beside it (a run's
    ``best.npz``). Returns ``(model, example batch or None, architecture note)``.
    """
    path = Path(source)
    if path.is_dir():
        weights, config = path / RUN_WEIGHTS, path / RUN_CONFIG
    elif path.is_file():
        weights, config = path, path.parent / RUN_CONFIG
    else:
        raise FileNotFoundError(f"fold: no run folder or weights file at {str(path)!r}")
    if model is not None:
        architecture = {"model": model}
    elif config.is_file():
        text = config.read_text()
        architecture = {"model": _config_from_text(text).model, "config": text}
    else:
        raise ValueError(
            f"fold: {str(path)!r} has no {RUN_CONFIG} beside it: name the zoo model the weights "
            "belong to (--model NAME in the CLI, model=NAME in Python)"
        )
    if not weights.is_file():
        raise FileNotFoundError(f"fold: no weights at {str(weights)!r}")
    network, example = _build(architecture)
    network.load_state_dict(_state_dict(load(weights)))
    return network, example, architecture


def fold_saved(
    source: str | os.PathLike, out: str | os.PathLike, model: str | None = None
) -> FoldResult:
    """Fold the BatchNorms of saved weights (see :func:`model_from_saved` for ``source`` and
    ``model``) and save the folded state dict and architecture note to ``out``."""
    network, example, architecture = model_from_saved(source, model)
    result = fold_batchnorm(network, example)
    architecture["folded"] = [f"{pair.layer} + {pair.batchnorm}" for pair in result.folded]
    architecture["left_in_place"] = [skip.name for skip in result.skipped]
    save({"state_dict": result.model.state_dict(), "architecture": architecture}, out)
    return result


def load_folded(path: str | os.PathLike) -> Module:
    """The folded model saved by :func:`fold_saved` (or ``hubel fold``), in eval mode."""
    saved = load(path)
    if not isinstance(saved, dict) or not {"state_dict", "architecture"} <= saved.keys():
        raise ValueError(
            f"load_folded: {str(path)!r} is not a folded weights file (written by `hubel fold`)"
        )
    network, example = _build(saved["architecture"])
    folded = fold_batchnorm(network, example).model
    folded.load_state_dict(saved["state_dict"])
    return folded
