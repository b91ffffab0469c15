import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij,kj", [(3, 4), (5, 4)]),  # implicit output: "ik"
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("ijk,jl,kl->il", [(2, 3, 4), (3, 5), (4, 5)]),
    ("ij,j->i", [(3, 4), (4,)]),
]


@pytest.mark.parametrize("equation, shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_torch(equation, shapes):
    assert_matches_torch(
        lambda *xs: hb.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs), shapes=shapes
    )


def test_einsum_takes_a_list_of_operands():
    a, b = hb.ones(2, 3), hb.ones(3, 2)
    assert hb.einsum("ij,jk->ik", [a, b]).tolist() == [[3.0, 3.0], [3.0, 3.0]]


@pytest.mark.parametrize(
    "equation, shapes, error, match",
    [
        ("ij,jk->ik", [(3, 4), (5, 6)], RuntimeError, "letter 'j' is 4 in one operand and 5"),
        ("ij->ik", [(3, 4)], ValueError, "must use input letters"),
        ("ijk->i", [(3, 4)], RuntimeError, "has 2 dimensions"),
        ("ii->i", [(3, 3)], ValueError, "not supported"),
        ("...ij->ij", [(3, 3)], ValueError, "ellipsis"),
        ("ij,jk->ik", [(3, 4)], ValueError, "names 2 operands, got 1"),
    ],
)
def test_einsum_refuses_bad_equations(equation, shapes, error, match):
    with pytest.raises(error, match=match):
        hb.einsum(equation, *(hb.ones(*s) for s in shapes))
