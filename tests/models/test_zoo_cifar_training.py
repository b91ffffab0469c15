"""The CIFAR-sized models: built the way ``hubel train --model NAME`` builds them, each fits a
tiny batch (the CS231n sanity check: a model that cannot memorise 8 images has a bug), and one
trains end to end through the command line.

The overfit runs at 32x32 where the architecture needs it (LeNet's C5, VGG's five pools) and at
8x8 for the others, whose global average pooling allows it, to keep the file quick. Residual
networks fit in a handful of Adam steps; plain56 needs about fifty, the degradation problem
showing already on eight images.
"""

import json

import numpy as np
import pytest
from zoo_helpers import PARAMETER_COUNTS, count, zoo_models

import hubel as hb
from hubel import nn, optim
from hubel.models import model_info
from hubel.training.config import TrainConfig
from hubel.training.run import build_model

CIFAR_MODELS = [n for n in zoo_models() if model_info(n).input_size == (3, 32, 32)]
NEEDS_32 = {"lenet5_cifar", "vgg11_cifar", "vgg16_cifar"}


def test_the_cifar_models_are_the_expected_ones():
    assert set(CIFAR_MODELS) == {
        "lenet5_cifar",
        "vgg11_cifar",
        "vgg16_cifar",
        "googlenet_cifar",
        "resnet18_cifar",
        "resnet20",
        "resnet32",
        "resnet44",
        "resnet56",
        "resnet110",
        "plain20",
        "plain56",
        "mobilenet_v1_cifar",
    }


@pytest.mark.parametrize("name", CIFAR_MODELS)
def test_cifar_model_built_as_hubel_train_does_overfits_eight_images(name):
    model = build_model(TrainConfig(dataset="cifar10", model=name), (3, 32, 32), 10)
    assert count(model) == PARAMETER_COUNTS[name]
    size = 32 if name in NEEDS_32 else 8
    x = hb.randn(8, 3, size, size)
    y = hb.tensor(np.arange(8))  # eight images, eight different labels: memorise them
    opt = optim.Adam(model.parameters(), lr=1e-3)
    for step in range(100):
        logits = model(x)
        assert logits.shape == (8, 10)
        loss = nn.functional.cross_entropy(logits, y)
        fitted = (
            logits.detach().numpy().argmax(1) == y.detach().numpy()
        ).all() and loss.item() < 0.5
        if fitted:
            break
        opt.zero_grad()
        loss.backward()
        if step == 0:
            missing = [k for k, p in model.named_parameters() if p.grad is None]
            assert not missing, f"no gradient reached {missing}"
        opt.step()
    assert fitted, f"accuracy below 100% or loss {loss.item():.3f} >= 0.5 after {step} steps"


def test_cifar_builders_take_in_channels_and_num_classes_from_the_data():
    model = build_model(TrainConfig(dataset="cifar10", model="resnet20"), (1, 32, 32), 4)
    assert model.conv1.weight.shape == (16, 1, 3, 3) and model.fc.weight.shape == (4, 64)
    assert model(hb.randn(2, 1, 32, 32)).shape == (2, 4)


def test_hubel_train_runs_resnet20_on_a_cifar10_folder(tmp_path, capsys):
    from data.cifar_archive import make_fake_cifar

    from hubel.cli.main import main

    make_fake_cifar(per_batch=10, test_size=20).write_folder(tmp_path / "data")
    code = main(
        [
            "train",
            "--dataset",
            "cifar10",
            "--model",
            "resnet20",
            "--data-root",
            str(tmp_path / "data"),
            "--epochs",
            "1",
            "--batch-size",
            "16",
            "--optimizer",
            "sgd",
            "--lr",
            "0.1",
            "--out",
            str(tmp_path / "run"),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["parameters"] == PARAMETER_COUNTS["resnet20"]
    assert "test accuracy" in out
