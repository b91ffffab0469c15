"""The registered small CNN: built by name as ``hubel train`` builds it, shapes and parameter
count as its docstring says, a sane start, and it can learn digits."""

import math

import numpy as np
import pytest

import hubel as hb
from hubel import nn
from hubel.data.digits import load_digits
from hubel.models import get_model, model_info
from hubel.optim import Adam


def test_cnn_is_registered_and_built_by_name_with_the_train_command_arguments():
    model = get_model("cnn", in_channels=1, num_classes=10)
    assert model_info("cnn").family == "CNN" and model_info("cnn").input_size == (1, 8, 8)
    assert sum(p.numel() for p in model.parameters()) == 94_410
    assert model(hb.randn(4, 1, 8, 8)).shape == (4, 10)


def test_cnn_head_does_not_depend_on_the_image_size():
    model = get_model("cnn", in_channels=3, num_classes=7, image_size=32, dropout=0.2)
    assert model(hb.randn(2, 3, 32, 32)).shape == (2, 7)


def test_cnn_refuses_images_too_small_for_its_pools():
    with pytest.raises(ValueError, match=r"3 max pools of 2 need images of at least 8x8"):
        get_model("cnn", image_size=4, channels=(8, 8, 8, 8))


def test_fresh_cnn_starts_near_ln_10():
    hb.manual_seed(0)
    model = get_model("cnn").eval()
    x = hb.rand(256, 1, 8, 8)
    loss = nn.functional.cross_entropy(model(x), hb.tensor(np.arange(256) % 10))
    assert loss.item() == pytest.approx(math.log(10), abs=0.3)


def test_cnn_overfits_a_tiny_set_of_digits():
    """The sanity check of CS231n: 64 real digits, full batch, must be learnt to 100%."""
    hb.manual_seed(0)
    (x, y), _ = load_digits()
    x, y = hb.tensor(x[:64, None] / np.float32(16)), hb.tensor(y[:64])
    model = get_model("cnn", channels=(16, 32))
    opt = Adam(model.parameters(), lr=1e-2)
    for _ in range(40):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert (model(x).detach().numpy().argmax(1) == y.detach().numpy()).all() and loss.item() < 0.1
