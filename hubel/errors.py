"""hubel's error classes: the exception a PyTorch user catches, keeping hubel's messages.

PyTorch raises ``IndexError`` for a dimension out of range and ``RuntimeError`` for shapes that
do not fit together (matmul, reshape, broadcasting, a kernel larger than its input). hubel's
errors subclass those and ``ValueError`` as well, so code written against either library (or
against hubel's earlier ``ValueError``) catches them.
"""

from __future__ import annotations


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit together: ``except RuntimeError`` (torch) or ``ValueError``."""


class DimError(IndexError, ValueError):
    """A dimension out of range for the tensor: ``except IndexError`` (torch) or ``ValueError``."""


class DtypeError(TypeError, RuntimeError):
    """A dtype the op cannot take (the mean of integers, gradients of integers):
    ``except RuntimeError`` (torch) or ``TypeError``."""
