"""``nn.Upsample``: a layer that resizes feature maps with ``functional.interpolate``."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class Upsample(Module):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor`` ("nearest", "linear" or "bilinear"), as ``torch.nn.Upsample``."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
        super().__init__()
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, int) else scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        where = (
            f"size={self.size}"
            if self.scale_factor is None
            else (f"scale_factor={self.scale_factor}")
        )
        return f"{where}, mode='{self.mode}'"
