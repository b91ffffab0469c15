import math

import numpy as np
import pytest

import hubel as hb
from hubel import nn
from hubel.models import MLP, get_model


def test_homework_mlp_has_the_expected_parameter_count():
    model = get_model("mlp")
    assert (
        sum(p.numel() for p in model.parameters()) == 3072 * 1024 + 1024 + 1024 * 512 + 512 + 5130
    )


def test_fresh_classifier_starts_near_ln_10():
    model = MLP(64, (128, 64), 10, init="xavier")
    x = hb.randn(512, 64) * 0.1
    loss = nn.CrossEntropyLoss()(model(x), hb.tensor(np.arange(512) % 10))
    assert loss.item() == pytest.approx(math.log(10), abs=0.15)


@pytest.mark.parametrize(
    "options", [{}, {"batchnorm": True}, {"dropout": 0.1}, {"activation": "tanh", "init": "xavier"}]
)
def test_mlp_overfits_a_tiny_batch_to_100_percent(options):
    from hubel.optim import Adam

    model = MLP(20, (64,), 5, **options)
    x = hb.randn(16, 20)
    y = hb.tensor(np.arange(16) % 5)
    opt = Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(x).argmax(1).detach().numpy() == y.detach().numpy()).mean() == 1.0
    assert loss.item() < 0.05


def test_mlp_flattens_images():
    assert MLP(3 * 4 * 4, (8,), 3)(hb.randn(2, 3, 4, 4)).shape == (2, 3)


def test_constant_init_makes_hidden_units_identical_but_random_init_does_not():
    x, y = hb.randn(8, 6), hb.tensor(np.arange(8) % 3)
    grads = {}
    for scheme in ("constant", "default"):
        model = MLP(6, (5,), 3, activation="tanh")
        if scheme == "constant":
            for layer in (model[1], model[3]):
                nn.init.constant_(layer.weight, 0.1)
                nn.init.zeros_(layer.bias)
        nn.functional.cross_entropy(model(x), y).backward()
        grads[scheme] = model[1].weight.grad.numpy()
    g = grads["constant"]
    np.testing.assert_allclose(g, np.broadcast_to(g[0], g.shape), atol=1e-7)
    assert np.abs(grads["default"] - grads["default"][0]).max() > 1e-3


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match="activation must be one of .* got 'swish'"):
        MLP(4, (3,), 2, activation="swish")


def test_unknown_model_name_lists_the_available_ones():
    with pytest.raises(ValueError, match="unknown name 'resnet9000'; available: .*mlp"):
        get_model("resnet9000")
