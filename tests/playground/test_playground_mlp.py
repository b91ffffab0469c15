"""MLP mode: the data sets, the network the settings describe, training that PyTorch repeats
step for step, reproducible seeds, and the stops for a run that diverges or runs away."""

import numpy as np
import pytest
import torch

from hubel import nn
from hubel.playground import session as session_module
from hubel.playground.config import PlaygroundError
from hubel.playground.datasets import DATASETS, make_dataset
from hubel.playground.mlp import MLPSession, parse_mlp_settings
from hubel.playground.session import batch_indices, encode_map, thin

DEEP_SIGMOID = {"layers": [8] * 6, "activation": "sigmoid", "lr": 0.1}


def run(steps=0, chunk=None, **raw) -> MLPSession:
    session = MLPSession(parse_mlp_settings(raw))
    chunk = chunk or max(steps, 1)
    while session.step < steps and session.stopped is None:
        session.advance(min(chunk, steps - session.step), budget_s=60)
    return session


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_two_balanced_classes_in_the_square_split_as_asked(name):
    train_x, train_y, test_x, test_y = make_dataset(name, 400, 0.0, 0.7, seed=3)
    assert train_x.shape == (280, 2) and test_x.shape == (120, 2)
    assert train_x.dtype == np.float32 and train_y.dtype == np.int64
    labels = np.concatenate([train_y, test_y])
    assert set(labels) == {0, 1} and abs(labels.mean() - 0.5) < 0.01
    assert np.abs(np.concatenate([train_x, test_x])).max() <= 1.0 + 1e-6  # no noise: inside
    again = make_dataset(name, 400, 0.0, 0.7, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train_x, train_y, test_x, test_y)))
    assert not np.array_equal(make_dataset(name, 400, 0.0, 0.7, seed=4)[0], train_x)


def test_xor_labels_are_the_sign_rule():
    points, labels, _, _ = make_dataset("xor", 200, 0.0, 1.0, seed=0)
    assert np.array_equal(labels, (points[:, 0] * points[:, 1] < 0).astype(np.int64))


def test_batches_are_epochs_of_permutations():
    picks = [batch_indices(5, step, 20, 6) for step in range(6)]  # 3 batches per epoch
    first_epoch = np.concatenate(picks[:3])
    assert len(set(first_epoch)) == 18  # no example twice within an epoch
    assert not np.array_equal(picks[0], picks[3])  # a new permutation each epoch
    assert np.array_equal(batch_indices(5, 4, 20, 6), picks[4])


def test_network_follows_the_settings():
    session = run(layers=[3, 5], batchnorm=True, dropout=0.2, activation="relu")
    kinds = [type(m).__name__ for m in session.model]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + ["Linear"]
    assert [(l.in_features, l.out_features) for l in session.linears] == [(2, 3), (3, 5), (5, 2)]
    assert run(layers=[], activation="linear").state()["sizes"] == [2, 2]


@pytest.mark.parametrize(
    "init, check",
    [
        ("zero", lambda w, fan_in, fan_out: np.all(w == 0)),
        ("normal", lambda w, fan_in, fan_out: abs(w.std() - 0.5) < 0.05),
        ("kaiming", lambda w, fan_in, fan_out: abs(w.std() / (5 / 3 / np.sqrt(fan_in)) - 1) < 0.1),
        (
            "xavier",
            lambda w, fan_in, fan_out: np.abs(w).max() <= 5 / 3 * np.sqrt(6 / (fan_in + fan_out)),
        ),
    ],
)
def test_initialisation_schemes(init, check):
    layer = nn.Linear(400, 300)
    from hubel.playground.mlp import init_linear

    init_linear(layer, init, 0.5, "tanh")
    assert check(layer.weight.detach().numpy(), 400, 300)
    assert np.all(layer.bias.detach().numpy() == 0)


def _torch_copy(session: MLPSession) -> torch.nn.Sequential:
    """The session's network in PyTorch, with its current weights."""
    layers = []
    for module in session.model:
        if isinstance(module, nn.Linear):
            layer = torch.nn.Linear(module.in_features, module.out_features).double()
            layer.weight.data = torch.tensor(module.weight.detach().numpy(), dtype=torch.float64)
            layer.bias.data = torch.tensor(module.bias.detach().numpy(), dtype=torch.float64)
        elif isinstance(module, nn.BatchNorm1d):
            layer = torch.nn.BatchNorm1d(module.num_features).double()
        else:
            layer = {"Tanh": torch.nn.Tanh, "Sigmoid": torch.nn.Sigmoid, "ReLU": torch.nn.ReLU}[
                type(module).__name__
            ]()
        layers.append(layer)
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize(
    "raw",
    [
        {"optimizer": "sgd", "activation": "tanh", "regularization": "l2", "reg_strength": 0.01},
        {"optimizer": "momentum", "activation": "sigmoid", "layers": [6, 6, 6]},
        {
            "optimizer": "adam",
            "lr": 0.01,
            "activation": "relu",
            "regularization": "l1",
            "reg_strength": 0.003,
            "batchnorm": True,
        },
    ],
)
def test_training_matches_pytorch_step_for_step(raw):
    """Same initial weights, same batches: PyTorch's losses and ||dL/dW|| per layer agree with
    the playground's over 15 steps (float64 in PyTorch, float32 in hubel)."""
    session = run(**raw)
    model = _torch_copy(session)
    settings = session.settings
    params = list(model.parameters())
    if settings["optimizer"] == "adam":
        opt = torch.optim.Adam(params, lr=settings["lr"])
    else:
        momentum = 0.9 if settings["optimizer"] == "momentum" else 0.0
        opt = torch.optim.SGD(params, lr=settings["lr"], momentum=momentum)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    x = torch.tensor(session.train_x, dtype=torch.float64)
    y = torch.tensor(session.train_y)
    losses, norms = [], []
    for step in range(15):
        pick = torch.tensor(batch_indices(settings["seed"], step, len(y), settings["batch_size"]))
        model.train()
        loss = torch.nn.functional.cross_entropy(model(x[pick]), y[pick])
        losses.append(loss.item())
        if settings["regularization"] == "l1":
            loss = loss + settings["reg_strength"] * sum(w.abs().sum() for w in weights)
        elif settings["regularization"] == "l2":
            loss = loss + settings["reg_strength"] / 2 * sum((w * w).sum() for w in weights)
        opt.zero_grad()
        loss.backward()
        norms.append([w.grad.norm().item() for w in weights])
        opt.step()
    recorded = []
    for _ in range(15):
        recorded.append(session.train_step(session.step))
        session.step += 1
    np.testing.assert_allclose(recorded, losses, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(session.history["grad_norms"], norms, rtol=2e-3, atol=1e-6)


def test_deep_sigmoid_gradients_vanish_towards_the_input():
    session = run(steps=20, **DEEP_SIGMOID)
    norms = session.state()["metrics"]["grad_norms"]
    assert len(norms) == 7
    assert norms[0] < norms[-1] / 100  # orders of magnitude between first and last layer
    assert all(a < b for a, b in zip(norms, norms[1:]))


def test_zero_init_units_stay_identical_and_xavier_units_differ():
    zero = run(steps=30, init="zero", activation="sigmoid", layers=[4, 3]).state()
    assert zero["distinct_units"] == [1, 1]
    xavier = run(steps=30, layers=[4, 3]).state()
    assert xavier["distinct_units"] == [4, 3]


def test_same_seed_same_run_however_the_steps_are_requested():
    """Dropout included: one request of 24 steps, or 8 of 3 with another run in between."""
    raw = {"dropout": 0.3, "layers": [5, 5], "seed": 11}
    whole = run(steps=24, **raw)
    pieces = MLPSession(parse_mlp_settings(raw))
    other = MLPSession(parse_mlp_settings({"dropout": 0.5, "seed": 2}))
    for _ in range(8):
        pieces.advance(3, budget_s=60)
        other.advance(2, budget_s=60)  # draws from the same global generator in between
    a, b = whole.state(), pieces.state()
    assert a["step"] == b["step"] == 24
    assert a["weights"] == b["weights"] and a["curves"] == b["curves"]
    different = run(steps=24, **{**raw, "seed": 12}).state()
    assert different["weights"] != a["weights"]


def test_reset_is_a_new_run_from_step_zero():
    first = run().state()
    trained = run(steps=10)
    assert trained.state()["weights"] != first["weights"]
    again = run().state()
    assert again["step"] == 0 and again["weights"] == first["weights"]
    assert again["curves"]["train"] == [] and again["metrics"]["grad_norms"] == []


def test_a_diverging_run_stops_and_says_why():
    session = run(init="normal", init_std=10.0, activation="linear", lr=10.0, layers=[8] * 6)
    done = session.advance(100, budget_s=60)
    assert session.stopped is not None and done < 100
    assert session.stopped.startswith(f"diverged at step {done + 1}: the loss is")
    assert "lower the learning rate" in session.stopped
    assert session.advance(5) == 0  # nothing more until a reset
    state = session.state()  # still drawable, strict JSON
    assert state["stopped"] == session.stopped and len(state["curves"]["train"]) == done


def test_a_runaway_run_stops_at_the_step_cap(monkeypatch):
    monkeypatch.setattr(session_module, "MAX_STEPS", 7)
    session = run()
    assert session.advance(5) == 5 and session.advance(5) == 2
    assert session.stopped.startswith("stopped at the playground's limit of 7 steps")


def test_a_request_ends_when_its_wall_time_is_spent():
    session = run()
    assert session.advance(50, budget_s=0.0) == 1


@pytest.mark.parametrize("steps", [0, 101, True, 2.0, "3"])
def test_steps_per_request_are_bounded(steps):
    with pytest.raises(PlaygroundError, match=r"steps: expected an integer"):
        run().advance(steps)


def test_state_is_strict_json_and_its_curves_are_thinned(monkeypatch):
    import json

    monkeypatch.setattr(session_module, "CURVE_POINTS", 10)
    monkeypatch.setattr("hubel.playground.mlp.thin", lambda count: thin(count, 10))
    session = run(steps=30)
    state = json.loads(json.dumps(session.state(), allow_nan=False))
    assert state["curves"]["step"][0] == 1 and state["curves"]["step"][-1] == 30
    assert len(state["curves"]["step"]) == 10 and len(state["curves"]["grad_norms"][0]) == 10
    assert len(state["units"]) == 3 and [len(layer) for layer in state["units"]] == [2, 4, 4]


def test_unit_heat_maps_are_the_units_outputs():
    session = run(steps=5)
    state = session.state()
    from hubel.playground.mlp import UNIT_GRID, grid_points

    hidden, _ = session.layer_outputs(grid_points(UNIT_GRID))
    unit = state["units"][2][1]  # second unit of the second hidden layer
    decoded = _decode(unit)
    expected = hidden[1][:, 1].reshape(UNIT_GRID, UNIT_GRID)
    assert np.abs(decoded - expected).max() <= (unit["hi"] - unit["lo"]) / 255


def _decode(encoded: dict) -> np.ndarray:
    import base64

    raw = np.frombuffer(base64.b64decode(encoded["data"]), dtype=np.uint8).astype(np.float64)
    values = encoded["lo"] + raw / 255 * (encoded["hi"] - encoded["lo"])
    return values.reshape(encoded["rows"], encoded["cols"])


def test_encoded_maps_round_trip_to_within_one_level():
    values = np.random.default_rng(0).normal(size=(7, 5))
    encoded = encode_map(values)
    assert (encoded["rows"], encoded["cols"]) == (7, 5)
    assert np.abs(_decode(encoded) - values).max() <= (values.max() - values.min()) / 510 + 1e-12
    constant = encode_map(np.full((2, 2), 3.0))
    assert np.all(_decode(constant) == 3.0)
    with_nan = encode_map(np.array([[1.0, np.nan]]))
    assert with_nan["lo"] == with_nan["hi"] == 1.0


def test_thin_keeps_first_and_last():
    assert list(thin(5, 10)) == [0, 1, 2, 3, 4]
    kept = thin(1000, 50)
    assert kept[0] == 0 and kept[-1] == 999 and len(kept) <= 50
