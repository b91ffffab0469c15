import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb
import hubel.nn.functional as F
from hubel import nn

CASES = [
    ((2, 3, 5, 7), dict(size=(8, 4))),
    ((2, 3, 5, 7), dict(scale_factor=2)),
    ((2, 3, 5, 7), dict(scale_factor=1.7)),
    ((2, 3, 5, 7), dict(scale_factor=(0.5, 1.5))),
    ((2, 3, 5, 7), dict(size=(3, 10), mode="bilinear")),
    ((2, 3, 5, 7), dict(size=(9, 4), mode="bilinear", align_corners=True)),
    ((2, 3, 4, 4), dict(scale_factor=2.5, mode="bilinear")),
    ((2, 3, 4, 4), dict(size=1, mode="bilinear", align_corners=True)),
    ((2, 3, 5), dict(size=9, mode="linear")),
    ((2, 3, 5), dict(scale_factor=3)),
    ((1, 2, 3, 4, 2), dict(scale_factor=2)),
]


@pytest.mark.parametrize("shape, options", CASES, ids=[str(c[1]) for c in CASES])
def test_interpolate_matches_torch(shape, options):
    assert_matches_torch(
        lambda x: F.interpolate(x, **options),
        lambda x: torch.nn.functional.interpolate(x, **options),
        shapes=[shape],
    )


@pytest.mark.parametrize(
    "options", [dict(scale_factor=2), dict(size=(3, 5), mode="bilinear", align_corners=False)]
)
def test_upsample_module_matches_torch(options):
    ours, theirs = nn.Upsample(**options), torch.nn.Upsample(**options)
    assert repr(ours) == repr(theirs)
    assert_matches_torch(ours, theirs, shapes=[(2, 3, 4, 4)])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: F.interpolate(x), ValueError, "exactly one of size and scale_factor"),
        (lambda x: F.interpolate(x, size=4, mode="cubic"), ValueError, "mode must be one of"),
        (lambda x: F.interpolate(x, size=4, mode="linear"), RuntimeError, "expects input with 3"),
        (lambda x: F.interpolate(x, size=(2, 2, 2)), ValueError, "size must be 2 positive ints"),
        (
            lambda x: F.interpolate(x, size=4, align_corners=True),
            ValueError,
            "align_corners only applies",
        ),
    ],
)
def test_interpolate_refuses_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(hb.zeros(1, 2, 3, 3))
