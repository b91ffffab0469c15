"""Pretrained weights: PyTorch state dicts load into the zoo's models by name and give the same
logits; ``hubel`` itself never imports torch (only ``hubel.interop.torch``, lazily)."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch_reference

import hubel as hb
from hubel.interop.torch import load_torch_state_dict
from hubel.models import get_model


def randomise_batch_norm(model: torch.nn.Module, seed: int = 0) -> None:
    """Give every BN layer non-trivial γ, β and running statistics, as a trained model has, so
    that eval-mode parity tests them (fresh ones are the identity up to eps)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=generator) + 0.5)


def assert_same_logits(name, torch_name, x, source=None, **kwargs):
    torch.manual_seed(0)
    reference = torch_reference.MODELS[torch_name]()
    randomise_batch_norm(reference)
    reference.eval()
    model = get_model(name, **kwargs).eval()
    assert load_torch_state_dict(model, source or reference.state_dict()) == ([], [])
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).detach().numpy()
    with hb.no_grad():
        logits = model(hb.tensor(x)).detach().numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_resnet18_with_pytorch_weights_gives_pytorchs_logits():
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    assert_same_logits("resnet18", "resnet18", x)


def test_resnet18_loads_a_pth_file(tmp_path):
    torch.manual_seed(0)
    reference = torch_reference.resnet18()
    randomise_batch_norm(reference)
    torch.save(reference.state_dict(), tmp_path / "resnet18.pth")
    x = np.random.default_rng(1).standard_normal((1, 3, 64, 64)).astype(np.float32)
    assert_same_logits("resnet18", "resnet18", x, source=tmp_path / "resnet18.pth")


@pytest.mark.parametrize(
    "name, torch_name, size, kwargs",
    [
        ("mobilenet_v2", "mobilenet_v2", 64, {}),
        ("googlenet", "googlenet_aux", 64, {"aux_logits": True}),
        ("resnet20", "resnet20", 32, {}),
    ],
)
def test_more_architectures_give_pytorchs_logits(name, torch_name, size, kwargs):
    x = np.random.default_rng(2).standard_normal((2, 3, size, size)).astype(np.float32)
    assert_same_logits(name, torch_name, x, **kwargs)


def test_pretrained_googlenet_file_without_aux_heads_loads_with_strict_false():
    with torch.device("meta"):
        reference = torch_reference.MODELS["googlenet_aux"]()
    state = {k: torch.zeros(v.shape) for k, v in reference.state_dict().items()}
    with hb.models.skip_init():
        model = get_model("googlenet")
    with pytest.raises(KeyError, match="unexpected .*aux1"):
        load_torch_state_dict(model, state)
    missing, unexpected = load_torch_state_dict(model, state, strict=False)
    assert missing == [] and all(k.startswith("aux") for k in unexpected)


def test_a_file_that_is_not_a_state_dict_is_named(tmp_path):
    torch.save(torch.zeros(3), tmp_path / "tensor.pth")
    with pytest.raises(ValueError, match="expected a state dict in .*tensor.pth', got Tensor"):
        load_torch_state_dict(get_model("lenet5"), tmp_path / "tensor.pth")


def test_loading_needs_a_hubel_module():
    with pytest.raises(TypeError, match="model must be a hubel Module, got Linear"):
        load_torch_state_dict(torch.nn.Linear(2, 2), {})


def test_importing_hubel_and_its_zoo_does_not_import_torch():
    code = (
        "import sys, hubel, hubel.models, hubel.interop.torch, hubel.cli.main; "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_only_the_interop_module_imports_torch_and_only_inside_functions():
    package = Path(hb.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        inside_functions = {
            id(node)
            for func in ast.walk(tree)
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(func)
        }
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(n == "torch" or n.startswith("torch.") for n in names):
                allowed = path == package / "interop" / "torch.py" and id(node) in inside_functions
                if not allowed:
                    offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []


def test_mobilenet_v2_relu6_has_pytorchs_gradient_at_the_edges():
    """The zoo's ReLU6 is Hardtanh(0, 6), as torch.nn.ReLU6: gradient 0 at exactly 0 and 6
    (clamp's is 1 there), and the same values and gradient elsewhere."""
    import importlib

    mobilenet_v2 = importlib.import_module("hubel.models.mobilenet_v2")
    values = np.array([-1.0, -0.0, 0.0, 1e-7, 3.0, 6.0 - 1e-6, 6.0, 7.0], np.float32)
    upstream = np.linspace(0.5, 2.0, values.size).astype(np.float32)
    x = torch.tensor(values, requires_grad=True)
    y = torch.nn.ReLU6()(x)
    y.backward(torch.from_numpy(upstream))
    ours = hb.tensor(values, requires_grad=True)
    out = mobilenet_v2.ReLU6(inplace=True)(ours)
    out.backward(hb.tensor(upstream))
    np.testing.assert_array_equal(out.detach().numpy(), y.detach().numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), x.grad.numpy())
    assert ours.grad.numpy()[values == 6.0] == 0 and ours.grad.numpy()[2] == 0
