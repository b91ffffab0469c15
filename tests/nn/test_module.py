import numpy as np
import pytest
import torch

import hubel as hb
from hubel import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.bn = nn.BatchNorm1d(4)
        self.register_buffer("scale", hb.ones(1))

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), Block(), nn.Dropout(0.2), nn.Linear(4, 2))


def torch_twin():
    class TBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 4)
            self.bn = torch.nn.BatchNorm1d(4)
            self.register_buffer("scale", torch.ones(1))

        def forward(self, x):
            return self.bn(self.fc(x)) * self.scale

    return torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        TBlock(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(4, 2),
    )


def test_state_dict_keys_and_shapes_equal_pytorch():
    ours = make_model().state_dict()
    theirs = torch_twin().state_dict()
    assert list(ours) == list(theirs)
    for key in ours:
        assert tuple(ours[key].shape) == tuple(theirs[key].shape), key


def test_named_parameters_in_registration_order():
    names = [n for n, _ in make_model().named_parameters()]
    assert names == [
        "0.weight",
        "0.bias",
        "2.fc.weight",
        "2.fc.bias",
        "2.bn.weight",
        "2.bn.bias",
        "4.weight",
        "4.bias",
    ]


def test_shared_parameter_is_listed_once():
    fc = nn.Linear(2, 2)
    model = nn.Sequential(fc, fc)
    assert len(list(model.parameters())) == 2


def test_train_and_eval_propagate_recursively():
    model = make_model().eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_named_modules_and_children():
    model = make_model()
    assert [n for n, _ in model.named_modules()][:5] == ["", "0", "1", "2", "2.fc"]
    assert len(list(model.children())) == 5


def test_load_state_dict_round_trip_and_strictness():
    a, b = make_model(), make_model()
    b.load_state_dict(a.state_dict())
    for (_, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(va.detach().numpy(), vb.detach().numpy())
    state = a.state_dict()
    state.pop("0.bias")
    with pytest.raises(KeyError, match=r"missing \['0.bias'\]"):
        b.load_state_dict(state)
    assert b.load_state_dict(state, strict=False) == (["0.bias"], [])


def test_load_state_dict_shape_mismatch_names_key_and_shapes():
    state = make_model().state_dict()
    state["0.weight"] = hb.zeros(5, 3)
    with pytest.raises(
        ValueError,
        match=r"'0.weight' has shape \(5, 3\) in the state dict but "
        r"\(4, 3\) in the model",
    ):
        make_model().load_state_dict(state)


def test_state_dict_from_torch_loads_and_gives_same_outputs():
    t = torch_twin().eval()
    ours = make_model().eval()
    ours.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(hb.tensor(x)).detach().numpy(),
        t(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_repr_matches_pytorch():
    assert repr(make_model()).replace("hubel", "torch") == repr(torch_twin()).replace(
        "TBlock", "Block"
    )


def test_zero_grad_sets_to_none_or_zero():
    model = make_model()
    model(hb.randn(4, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_double_converts_parameters_and_buffers_but_not_counters():
    model = make_model().double()
    assert all(p.dtype == hb.float64 for p in model.parameters())
    assert model[2].bn.running_mean.dtype == hb.float64
    assert model[2].bn.num_batches_tracked.dtype == hb.int64
    assert model(hb.randn(4, 3, dtype=hb.float64)).dtype == hb.float64


def test_forward_hooks_see_inputs_and_outputs_and_can_be_removed():
    model = make_model()
    seen = []
    handle = model[0].register_forward_hook(lambda m, i, o: seen.append((i[0].shape, o.shape)))
    model(hb.randn(2, 3))
    handle.remove()
    model(hb.randn(2, 3))
    assert seen == [((2, 3), (2, 4))]


def test_assigning_a_non_parameter_to_a_parameter_name_is_refused():
    fc = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign ndarray to 'weight'"):
        fc.weight = np.zeros((2, 2))


def test_missing_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Broken()


def test_save_and_load_state_dict_without_pickle(tmp_path):
    model = make_model()
    path = tmp_path / "weights.npz"
    hb.save(model.state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert "0.weight" in archive.files
    other = make_model()
    other.load_state_dict(hb.load(path))
    for (_, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_save_nested_structures_round_trip(tmp_path):
    obj = {
        "epoch": 3,
        "lr": 0.1,
        "name": "x",
        "none": None,
        "list": [1, 2.5, {"a": np.ones(2)}],
        "tuple": (1, 2),
        "model": {"w": hb.ones(2, 2)},
    }
    hb.save(obj, tmp_path / "c.npz")
    back = hb.load(tmp_path / "c.npz")
    assert back["epoch"] == 3 and back["name"] == "x" and back["none"] is None
    assert back["tuple"] == (1, 2)
    np.testing.assert_array_equal(back["list"][2]["a"], np.ones(2))
    np.testing.assert_array_equal(back["model"]["w"].detach().numpy(), np.ones((2, 2)))


def test_save_refuses_arbitrary_objects(tmp_path):
    with pytest.raises(TypeError, match="cannot store a object at top level"):
        hb.save(object(), tmp_path / "x.npz")
