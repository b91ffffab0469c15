"""``nn.Embedding``: a learned lookup table from integer ids to vectors."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype, get_rng
from ..tensor import Tensor
from .module import Module, Parameter


class Embedding(Module):
    """Row i of ``weight`` (num_embeddings, embedding_dim) is the vector of id i, drawn from
    N(0, 1) as in PyTorch; the ``padding_idx`` row starts at zero and gets no gradient.

    Shape: integer input (*) → (*, embedding_dim).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("Embedding: padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        weight = get_rng().standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            weight[padding_idx] = 0
        self.weight = Parameter(weight.astype(get_default_dtype()))

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx=None):
        """An Embedding whose weight is ``embeddings`` (copied); frozen unless ``freeze=False``."""
        rows, dim = embeddings.shape
        module = cls(rows, dim, padding_idx)
        module.weight = Parameter(np.array(embeddings.detach().numpy()), requires_grad=not freeze)
        return module
