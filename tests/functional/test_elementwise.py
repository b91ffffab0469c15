import numpy as np
import pytest
import torch
from helpers import assert_matches_torch

import hubel as hb

# name -> (input range or None for standard normal)
SMOOTH = {
    "sin": None,
    "cos": None,
    "tan": (-1.2, 1.2),
    "asin": (-0.9, 0.9),
    "acos": (-0.9, 0.9),
    "atan": None,
    "sinh": None,
    "cosh": None,
    "erf": None,
    "rsqrt": (0.2, 3.0),
    "reciprocal": (0.3, 3.0),
    "square": None,
    "log1p": (-0.5, 3.0),
    "expm1": None,
    "log2": (0.2, 3.0),
    "log10": (0.2, 3.0),
    "exp": None,
    "log": (0.2, 3.0),
    "sqrt": (0.2, 3.0),
    "abs": None,
    "neg": None,
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("shape", [(7,), (3, 4)])
def test_elementwise_function_matches_torch(name, shape):
    bounds = SMOOTH[name] or (None, None)
    assert_matches_torch(
        getattr(hb, name), getattr(torch, name), shapes=[shape], low=bounds[0], high=bounds[1]
    )


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_elementwise_method_matches_function(name):
    x = hb.tensor([0.2, 0.5, 0.7])
    np.testing.assert_array_equal(
        getattr(x, name)().detach().numpy(), getattr(hb, name)(x).detach().numpy()
    )


STEPS = ["sign", "floor", "ceil", "round", "trunc"]


@pytest.mark.parametrize("name", STEPS)
def test_step_functions_match_torch_with_zero_gradient(name):
    # halves and integers included: round goes to even, sign of 0 is 0
    values = np.array([-2.5, -1.5, -0.7, 0.0, 0.5, 1.5, 2.5, 3.2])
    assert_matches_torch(
        getattr(hb, name), getattr(torch, name), inputs=[values], check_gradcheck=False
    )


@pytest.mark.parametrize("name", [*STEPS, "square", "abs", "neg"])
def test_integer_inputs_keep_their_dtype_where_torch_does(name):
    ours = getattr(hb, name)(hb.tensor([-3, 0, 4]))
    theirs = getattr(torch, name)(torch.tensor([-3, 0, 4]))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("name", ["sin", "erf", "rsqrt", "log2", "exp", "sqrt", "reciprocal"])
def test_integer_inputs_become_the_default_float_as_in_torch(name):
    ours = getattr(hb, name)(hb.tensor([1, 2, 4]))
    theirs = getattr(torch, name)(torch.tensor([1, 2, 4]))
    assert ours.dtype == hb.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_elementwise_on_a_non_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="expected a Tensor, got list"):
        hb.sin([1.0])


def test_every_new_op_declares_its_cost_for_the_analyzer():
    from hubel.functional import activation, elementwise, indexing, reduce, shape

    x = hb.randn(3, 4)
    y = x.sin()
    assert elementwise.Sin.cost((x,), y, {}) == (0, 12)
    assert elementwise.Floor.cost((x,), y, {}) == (0, 12)  # inherited from Step
    assert activation.SiLU.cost((x,), y, {}) == (0, 36)
    assert shape.Flip.cost((x,), y, {}) == (0, 0)  # moves values only
    assert indexing.Gather.cost((x,), y, {}) == (0, 0)
    total = x.logsumexp(1)
    assert reduce.LogSumExp.cost((x,), total, {}) == (0, 36)  # per input value
