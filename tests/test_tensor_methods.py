"""The method table: every Tensor method and operator a PyTorch user types, against torch."""

import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb
from hubel.tensor_methods import METHODS

BINARY = {
    "add": lambda a, b: a.add(b),
    "add alpha": lambda a, b: a.add(b, alpha=2.5),
    "sub": lambda a, b: a.sub(b),
    "sub alpha": lambda a, b: a.sub(b, alpha=-0.5),
    "mul": lambda a, b: a.mul(b),
    "div": lambda a, b: a.div(b),
    "pow": lambda a, b: a.abs().pow(b),
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b),
    "matmul": lambda a, b: a.matmul(b.T),
    "mm": lambda a, b: a.mm(b.T),
    "remainder": lambda a, b: a.remainder(b.abs() + 0.5),
    "%": lambda a, b: a % (b.abs() + 0.5),
    "fmod": lambda a, b: a.fmod(b.abs() + 0.5),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_methods_match_torch(name):
    fn = BINARY[name]
    assert_matches_torch(fn, fn, shapes=[(3, 4), (3, 4)])


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_with_rounding_mode_matches_torch(mode):
    values = [np.array([-7.5, -3.0, 2.5, 7.0]), np.array([2.0, -2.0, 2.0, 3.0])]
    assert_matches_torch(
        lambda a, b: a.div(b, rounding_mode=mode),
        lambda a, b: a.div(b, rounding_mode=mode),
        inputs=values,
        check_gradcheck=False,  # a step function: its zero gradient is checked against torch
    )
    ints = [hb.tensor([-7, 7, 5]), hb.tensor([2, -2, 3])]
    theirs = torch.tensor([-7, 7, 5]).div(torch.tensor([2, -2, 3]), rounding_mode=mode)
    ours = ints[0].div(ints[1], rounding_mode=mode)
    assert ours.dtype == hb.int64 and ours.tolist() == theirs.tolist()
    with pytest.raises(ValueError, match="rounding_mode"):
        ints[0].div(ints[1], rounding_mode="round")


def test_floor_divide_and_remainder_follow_python_signs_like_torch():
    a, b = [-7.0, -7.0, 7.0, 7.5], [2.0, -2.0, -2.0, 2.0]
    for op in ("__floordiv__", "__mod__"):
        ours = getattr(hb.tensor(a), op)(hb.tensor(b))
        theirs = getattr(torch.tensor(a), op)(torch.tensor(b))
        assert ours.tolist() == theirs.tolist()
    assert (hb.tensor([-7, 7]) // 2).tolist() == (torch.tensor([-7, 7]) // 2).tolist()
    assert (7 // hb.tensor([2, -2])).tolist() == (7 // torch.tensor([2, -2])).tolist()
    assert (7.5 % hb.tensor([2.0])).tolist() == (7.5 % torch.tensor([2.0])).tolist()


def test_bmm_matches_torch():
    fn = lambda a, b: a.bmm(b)  # noqa: E731
    assert_matches_torch(fn, fn, shapes=[(2, 3, 4), (2, 4, 5)])


def test_where_method_and_function_match_torch():
    mask = np.array([[True, False, True], [False, False, True]])
    assert_matches_torch(
        lambda a, b: a.where(hb.tensor(mask), b),
        lambda a, b: a.where(torch.tensor(mask), b),
        shapes=[(2, 3), (3,)],
    )
    rows, cols = hb.where(hb.tensor(mask))
    t_rows, t_cols = torch.where(torch.tensor(mask))
    assert rows.tolist() == t_rows.tolist() and cols.tolist() == t_cols.tolist()


CASTS = ["float", "double", "half", "long", "int", "bool"]


@pytest.mark.parametrize("name", CASTS)
def test_cast_methods_match_torch(name):
    data = [[-1.5, 0.0], [2.7, 3.0]]
    ours, theirs = getattr(hb.tensor(data), name)(), getattr(torch.tensor(data), name)()
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_type_names_the_type_or_casts():
    assert hb.zeros(2).type() == "hubel.FloatTensor"
    assert hb.zeros(2, dtype=hb.int64).type() == "hubel.LongTensor"
    assert torch.zeros(2).type() == "torch.FloatTensor"
    assert hb.zeros(2).type(hb.float64).dtype == hb.float64


def test_float_casts_keep_the_gradient():
    x = hb.tensor([1.0, 2.0], dtype=hb.float64, requires_grad=True)
    x.float().half().float().sum().backward()
    assert x.grad.dtype == hb.float64 and x.grad.tolist() == [1.0, 1.0]


SHAPE_METHODS = {
    "view": lambda x: x.view(4, 3),
    "view_as": lambda x: x.view_as(x.reshape(2, 6)),
    "reshape_as": lambda x: x.reshape_as(x.reshape(6, 2)),
    "expand_as": lambda x: x[:1].expand_as(x),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "contiguous": lambda x: x.contiguous(),
    "clamp_min": lambda x: x.clamp_min(0.1),
    "clamp_max": lambda x: x.clamp_max(0.1),
    "clip": lambda x: x.clip(-0.5, 0.5),
    "neg": lambda x: x.neg(),
    "__neg__": lambda x: -x,
    "__pos__": lambda x: +x,
    "__abs__": lambda x: abs(x),
    "__rsub__": lambda x: 2.0 - x,
    "__rtruediv__": lambda x: 2.0 / (x.abs() + 1),
    "__rpow__": lambda x: 2.0**x,
    "__rmul__": lambda x: 3 * x,
}


@pytest.mark.parametrize("name", sorted(SHAPE_METHODS))
def test_unary_methods_match_torch(name):
    fn = SHAPE_METHODS[name]
    assert_matches_torch(fn, fn, shapes=[(3, 4)])


def test_t_of_a_vector_is_itself_and_of_a_3d_tensor_is_refused():
    assert hb.zeros(3).t().shape == (3,)
    with pytest.raises(RuntimeError, match="at most 2 dimensions"):
        hb.zeros(2, 2, 2).t()


def test_comparisons_return_bool_tensors_like_torch():
    a, b = [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]
    for op in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "eq", "ge"):
        ours = getattr(hb.tensor(a), op)(hb.tensor(b))
        theirs = getattr(torch.tensor(a), op)(torch.tensor(b))
        assert ours.dtype == hb.bool_ and ours.tolist() == theirs.tolist()
    assert (hb.tensor([1, 2]) == 1.0).tolist() == [True, False]
    assert (hb.tensor([1.0]) == None) is False  # noqa: E711 - Python's protocol, as torch


def test_logic_operators_match_torch():
    a, b = [True, True, False, False], [True, False, True, False]
    for op in ("__and__", "__or__", "__xor__"):
        ours = getattr(hb.tensor(a), op)(hb.tensor(b))
        assert ours.tolist() == getattr(torch.tensor(a), op)(torch.tensor(b)).tolist()
    assert (~hb.tensor(a)).tolist() == (~torch.tensor(a)).tolist()


def test_every_table_entry_is_attached_to_tensor():
    for name, method in METHODS.items():
        assert getattr(hb.Tensor, name) is method, name


def test_tensor_module_imports_nothing_above_it():
    import sys

    source = open(sys.modules["hubel.tensor"].__file__).read()
    assert "import functional" not in source and "from .functional" not in source
    assert "from . import autograd" not in source and "def _F" not in source


def test_the_engine_has_no_deferred_imports():
    import ast
    import sys

    for name in ("hubel.autograd", "hubel.tensor_methods"):
        tree = ast.parse(open(sys.modules[name].__file__).read())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not inner, f"{name}.{node.name} imports inside a function"


def test_dot_outer_and_float_tests_match_torch():
    assert_matches_torch(lambda a, b: a.dot(b), lambda a, b: a.dot(b), shapes=[(4,), (4,)])
    assert_matches_torch(lambda a, b: hb.outer(a, b), torch.outer, shapes=[(3,), (4,)])
    values = [1.0, float("nan"), float("inf"), -float("inf")]
    for name in ("isnan", "isinf", "isfinite"):
        ours, theirs = getattr(hb.tensor(values), name)(), getattr(torch.tensor(values), name)()
        assert ours.tolist() == theirs.tolist() and ours.dtype == hb.bool_
    with pytest.raises(RuntimeError, match="1-D tensors of one length"):
        hb.dot(hb.zeros(3), hb.zeros(4))
    assert hb.zeros(2).cpu().device == "cpu"


def test_functional_names_leave_its_modules_reachable():
    import inspect

    import hubel.functional as functional

    # The analyzer does `from hubel.functional import norm, pool, ...`: no op may take the
    # name of a module (hb.norm, the p-norm, lives outside hubel.functional for this reason).
    for name in ("norm", "pool", "reduce", "shape", "activation", "arithmetic", "indexing"):
        assert inspect.ismodule(getattr(functional, name)), name
    assert hb.norm(hb.tensor([3.0, 4.0])).item() == 5.0
