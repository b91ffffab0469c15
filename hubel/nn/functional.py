"""PyTorch's ``torch.nn.functional`` name for ``hubel.functional``: ``import hubel.nn.functional
as F`` works as a PyTorch user expects."""

from ..functional import *  # noqa: F403
from ..functional import __all__  # noqa: F401
