"""conv2d refuses inputs that do not fit with the exception classes torch raises."""

import pytest
import torch

import hubel as hb
import hubel.functional as F


@pytest.mark.parametrize(
    "shapes, dtypes",
    [
        (((2, 4, 8, 8), (6, 3, 3, 3), (6,)), ("float32",) * 3),  # channels do not match
        (((2, 3, 8, 8), (6, 3, 3, 3), (6,)), ("float32", "float32", "float64")),  # bias dtype
        (((2, 3, 8, 8), (6, 3, 3, 3), (6,)), ("float64", "float32", "float32")),  # weight dtype
    ],
)
def test_conv2d_mismatches_raise_runtime_error_as_torch(shapes, dtypes):
    for module, functional in ((torch, torch.nn.functional), (hb, F)):
        x, w, b = (module.zeros(*s, dtype=getattr(module, d)) for s, d in zip(shapes, dtypes))
        with pytest.raises(RuntimeError):
            functional.conv2d(x, w, b)
