"""Lengths and angles between vectors: ``normalize`` (unit length) and ``cosine_similarity``,
composed from ``norm``, sums and products (their gradients follow)."""

from __future__ import annotations

from ..tensor import Tensor
from .reduce import norm
from .reduce import sum as _sum


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``: each vector scaled to length 1, as
    ``torch.nn.functional.normalize``."""
    return input / norm(input, p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos θ = x1·x2 / sqrt(max(||x1||² ||x2||², eps²)) along ``dim`` (broadcasting x1 and
    x2), as ``torch.nn.functional.cosine_similarity``."""
    products = _sum(x1 * x2, dim)
    squared = _sum(x1 * x1, dim) * _sum(x2 * x2, dim)
    return products / squared.clamp_min(eps * eps).sqrt()
