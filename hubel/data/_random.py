"""Where the data package's randomness comes from: a seed, or hubel's global generator."""

from __future__ import annotations

import numpy as np


def global_generator() -> np.random.Generator:
    """hubel's global generator, the one ``hb.manual_seed(seed)`` reseeds."""
    # Imported here, not at the top: the engine may import hubel.data while it is itself loading.
    from hubel.backend import get_rng

    return get_rng()


def check_seed(seed: object, name: str = "seed") -> int | None:
    """``seed`` if it is ``None`` or a non-negative int; else raise, naming ``name``."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"{name}: expected an int or None, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {seed}")
    return int(seed)


def make_generator(seed: int | None) -> np.random.Generator:
    """A fresh generator from ``seed``; with ``None``, seeded by a draw from the global generator.

    Drawing the seed from the global generator makes ``hb.manual_seed(s)`` pin every loader and
    split built afterwards, while each still owns its stream (and so its checkpointable state).
    """
    seed = check_seed(seed)
    if seed is None:
        seed = int(global_generator().integers(2**63))
    return np.random.default_rng(seed)
