"""Bad arguments fail at the constructor with a message naming the argument and the value."""

import numpy as np
import pytest
from optim_twins import batch, hubel_step, make_model

import hubel as hb
from hubel import nn, optim


def params():
    return make_model().parameters()


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: optim.SGD(params(), lr=-0.1), ValueError, r"SGD: lr must be >= 0, got -0.1"),
        (lambda: optim.SGD(params(), lr="0.1"), TypeError, r"lr must be a number, got '0.1'"),
        (lambda: optim.SGD(params(), momentum=-0.9), ValueError, r"momentum must be >= 0"),
        (lambda: optim.SGD(params(), weight_decay=-1), ValueError, r"weight_decay .* got -1"),
        (lambda: optim.SGD(params(), nesterov=True), ValueError, r"nesterov=True needs momentum"),
        (
            lambda: optim.SGD(params(), momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            r"dampening=0.1",
        ),
        (lambda: optim.Adam(params(), betas=(1.0, 0.999)), ValueError, r"betas\[0\] .* got 1.0"),
        (lambda: optim.Adam(params(), betas=(0.9, -0.1)), ValueError, r"betas\[1\] .* got -0.1"),
        (lambda: optim.Adam(params(), betas=0.9), TypeError, r"betas must be a pair"),
        (lambda: optim.AdamW(params(), eps=-1e-8), ValueError, r"AdamW: eps must be >= 0"),
        (lambda: optim.RMSprop(params(), alpha=-0.5), ValueError, r"alpha must be >= 0"),
        (lambda: optim.RMSprop(params(), lr=float("nan")), ValueError, r"lr must be >= 0"),
        (lambda: optim.SGD([]), ValueError, r"empty parameter list"),
        (
            lambda: optim.SGD([np.zeros(3)]),
            TypeError,
            r"params\[0\] must be a Parameter, got "
            r"ndarray",
        ),
        (lambda: optim.SGD(make_model()), TypeError, r"pass model.parameters\(\)"),
        (lambda: optim.SGD(hb.zeros(3, requires_grad=True)), TypeError, r"wrap it in a list"),
        (lambda: optim.SGD(set(params())), TypeError, r"ordered iterable"),
        (lambda: optim.SGD([(hb.ones(2, requires_grad=True) * 2)]), ValueError, r"not a leaf"),
        (lambda: optim.SGD([{"params": params(), "lr": -1.0}]), ValueError, r"lr must be >= 0"),
        (lambda: optim.SGD([{"lr": 0.1}]), ValueError, r"no 'params' entry"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_parameter_in_two_groups_is_refused():
    model = make_model()
    opt = optim.SGD(model.parameters())
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": model[0].weight})


def test_loading_state_for_a_different_model_shape_is_refused():
    model = make_model()
    opt = optim.Adam(model.parameters())
    hubel_step(model, opt, *batch())
    other = optim.Adam(model[0].parameters())
    with pytest.raises(ValueError, match=r"param_groups\[0\] has 4 parameters in the saved"):
        other.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        other.load_state_dict(model.state_dict())


def test_loading_state_saved_for_other_shapes_is_refused():
    model = make_model()
    opt = optim.Adam(model.parameters())
    hubel_step(model, opt, *batch())
    wider = nn.Sequential(nn.Linear(6, 9), nn.Tanh(), nn.Linear(9, 3))
    with pytest.raises(ValueError, match=r"'exp_avg' has shape \(8, 6\) but .* \(9, 6\)"):
        optim.Adam(wider.parameters()).load_state_dict(opt.state_dict())
