"""``hb.viz.draw_graph``: exactly the nodes and edges backward walks, named, collapsible."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import hubel as hb
from hubel import nn
from hubel.nn import functional as F
from hubel.viz import draw_graph, draw_model, trace


def _titles(graph) -> list[str]:
    return [node.title for node in graph.nodes]


def _svg_counts(svg: str) -> tuple[int, int]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    groups = [g.get("class", "") for g in root.iter("{http://www.w3.org/2000/svg}g")]
    return sum(c.startswith("node") for c in groups), sum(c == "edge" for c in groups)


def _dot_counts(dot: str) -> tuple[int, int]:
    return len(re.findall(r"^\s+n\d+ \[label=", dot, re.M)), len(re.findall(r" -> ", dot))


@pytest.fixture
def expression():
    """y = sum(tanh(x * w + b)): 3 leaves, 4 ops, 6 edges."""
    x = hb.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = hb.tensor([1.5, 0.25, -0.5], requires_grad=True)
    b = hb.tensor(0.1, requires_grad=True)
    return x, w, b, (x * w + b).tanh().sum()


def test_known_expression_has_exactly_its_nodes_and_edges(expression):
    x, w, b, y = expression
    graph = draw_graph(y, params={"x": x, "w": w, "b": b})
    assert sorted(_titles(graph)) == sorted(["x", "w", "b", "Mul", "Add", "Tanh", "Sum"])
    by_title = {node.title: node.key for node in graph.nodes}
    expected = {
        ("x", "Mul"),
        ("w", "Mul"),
        ("Mul", "Add"),
        ("b", "Add"),
        ("Add", "Tanh"),
        ("Tanh", "Sum"),
    }
    assert set(graph.edges) == {(by_title[a], by_title[c]) for a, c in expected}
    assert len(graph.edges) == 6
    assert _svg_counts(graph.svg) == (7, 6)
    assert _dot_counts(graph.source) == (7, 6)
    assert [node.is_root for node in graph.nodes].count(True) == 1
    assert graph.nodes[0].title == "Sum" and graph.nodes[0].is_root


def test_op_and_leaf_labels_give_shape_dtype_and_requires_grad(expression):
    x, w, b, y = expression
    constant = hb.tensor([1.0, 2.0, 3.0])
    graph = draw_graph((y * constant).sum(), params={"x": x})
    nodes = {node.title: node for node in graph.nodes}
    assert nodes["x"].kind == "param" and nodes["x"].lines == ("(3,) float32", "requires_grad=True")
    assert nodes["tensor"].kind == "constant"
    assert "requires_grad=False" in nodes["tensor"].lines
    assert nodes["Tanh"].kind == "op" and nodes["Tanh"].lines == ("(3,) float32",)
    assert "scalar float32" in nodes["Sum"].lines


def test_an_input_used_twice_by_one_op_is_one_edge():
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    graph = draw_graph((x * x).sum())
    assert len(graph.nodes) == 3 and len(graph.edges) == 2


def test_numbers_in_an_op_are_constants_of_the_op_not_nodes():
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    graph = draw_graph((x * 3.0).sum())
    assert sorted(_titles(graph)) == ["Mul", "Sum", "leaf"]


def test_show_grads_gives_leaf_gradients_after_backward(expression):
    x, w, b, y = expression
    y.backward()
    graph = draw_graph(y, show_grads=True, params={"x": x, "w": w, "b": b})
    nodes = {node.title: node for node in graph.nodes}
    x_grad = ", ".join(f"{v:.4g}" for v in x.grad.numpy())
    assert f"grad [{x_grad}]" in nodes["x"].lines
    assert f"grad {float(b.grad.numpy()):.4g}" in nodes["b"].lines
    assert not any(line.startswith("grad") for line in nodes["Tanh"].lines)


def test_show_grads_gives_the_norm_of_a_gradient_of_more_than_4_values():
    w = hb.randn(5, requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    (node,) = [n for n in draw_graph(loss, show_grads=True).nodes if n.kind == "param"]
    norm = np.linalg.norm(w.grad.numpy().astype(np.float64))
    assert f"‖grad‖ {norm:.4g}" in node.lines


def test_show_grads_before_backward_says_none():
    x = hb.tensor([1.0], requires_grad=True)
    graph = draw_graph((x * x).sum(), show_grads=True)
    assert "grad None" in [n for n in graph.nodes if n.kind == "param"][0].lines


def test_show_values_gives_small_values_micrograd_style():
    x = hb.tensor([1.0, -2.0], requires_grad=True)
    graph = draw_graph((x * 2.0).sum(), show_values=True)
    nodes = {node.title: node for node in graph.nodes}
    assert "data [2, -4]" in nodes["Mul"].lines
    assert "data -2" in nodes["Sum"].lines


def _mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))


def test_model_loss_names_parameters_and_modules():
    model = _mlp()
    x, target = hb.randn(4, 1, 8, 8), hb.randint(0, 10, 4)
    with trace(model) as tape:
        loss = F.cross_entropy(model(x), target)
    loss.backward()
    graph = draw_graph(loss, show_grads=True, trace=tape)
    titles = _titles(graph)
    for name in ("1.weight", "1.bias", "3.weight", "3.bias"):
        assert titles.count(name) == 1
        assert name in graph.svg and name in graph.source
    linear = [n for n in graph.nodes if n.title == "Linear"]
    assert sorted(n.lines[0] for n in linear) == ["in 1", "in 3"]
    assert _svg_counts(graph.svg) == (len(graph.nodes), len(graph.edges))


def test_params_or_model_name_leaves_without_a_trace():
    model = _mlp()
    loss = model(hb.randn(2, 64)).sum()
    assert "1.weight" in _titles(draw_graph(loss, model=model))
    assert "fc.w" in _titles(draw_graph(loss, params={"fc.w": model[1].weight}))


def test_depth_collapses_a_resnet_block():
    model = hb.models.get_model("resnet18")
    deep = draw_model(model, (3, 32, 32), depth=3)
    assert "layer1.0.conv1 · Conv2d" in _titles(deep) and "Add" in _titles(deep)
    blocks = draw_model(model, (3, 32, 32), depth=2)
    titles = _titles(blocks)
    assert "layer1.0 · BasicBlock" in titles and "layer4.1 · BasicBlock" in titles
    assert not any(title.startswith("layer1.0.") for title in titles)
    assert "Add" not in titles
    block = next(n for n in blocks.nodes if n.title == "layer1.0 · BasicBlock")
    params = sum(p.numel() for p in model.layer1[0].parameters())
    assert f"{params:,} params" in block.lines
    assert "(1, 64, 8, 8) float32" in block.lines


def test_a_collapsed_module_counts_its_frozen_parameters_too():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    model[0].weight.requires_grad_(False)
    with trace(model) as tape:
        out = model(hb.randn(2, 4))
    (linear,) = [n for n in draw_graph(out, trace=tape, depth=1).nodes if n.kind == "module"][1:]
    assert linear.title == "0 · Linear" and "15 params" in linear.lines


def test_constants_a_block_makes_collapse_into_it_and_the_input_stays():
    model = hb.models.get_model("resnet20")  # option-A shortcuts: zeros padded on in forward
    blocks = draw_model(model, (3, 16, 16), depth=2)
    assert [node.kind for node in blocks.nodes].count("constant") == 1
    assert blocks.nodes[-1].title == "input"
    whole = draw_model(model, (3, 16, 16), depth=0)
    assert [node.title for node in whole.nodes] == [type(model).__name__, "input"]
    assert f"{sum(p.numel() for p in model.parameters()):,} params" in whole.nodes[0].lines


def test_resnet18_at_depth_1_is_its_top_level_modules_in_a_chain():
    graph = draw_model(hb.models.get_model("resnet18"), (3, 32, 32), depth=1)
    assert _titles(graph) == [
        "fc · Linear",
        "Reshape",
        "avgpool · AdaptiveAvgPool2d",
        "layer4 · Sequential",
        "layer3 · Sequential",
        "layer2 · Sequential",
        "layer1 · Sequential",
        "maxpool · MaxPool2d",
        "relu · ReLU",
        "bn1 · BatchNorm2d",
        "conv1 · Conv2d",
        "input",
    ]
    assert len(graph.edges) == 11
    assert _svg_counts(graph.svg) == (12, 11)


class Residual(nn.Module):
    """A user's own module: a parameter used directly, a shared layer called twice, an add."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(hb.ones(8))
        self.inner = nn.Linear(8, 8)

    def forward(self, x):
        return self.inner(self.inner(x)) * self.scale + x


def test_a_users_module_renders_and_a_shared_layer_is_two_nodes():
    model = nn.Sequential(Residual(), nn.Linear(8, 2))
    with trace(model) as tape:
        loss = model(hb.randn(3, 8)).sum()
    ops = draw_graph(loss, trace=tape)
    assert [n.lines[0] for n in ops.nodes if n.title == "Linear"].count("in 0.inner") == 2
    assert "0.scale" in _titles(ops)
    collapsed = draw_graph(loss, trace=tape, depth=2)
    assert _titles(collapsed).count("0.inner · Linear") == 2  # two calls: no cycle drawn
    assert "0.scale" in _titles(collapsed)  # the block's own parameter, used in its forward
    whole = draw_graph(loss, trace=tape, depth=1)
    assert _titles(whole) == ["Sum", "1 · Linear", "0 · Residual", "input"]
    assert sum(p.numel() for p in model[0].parameters()) == 80  # scale 8, inner 64 + 8
    assert "80 params" in whole.nodes[2].lines


def test_trace_removes_its_hooks():
    model = _mlp()
    with trace(model):
        model(hb.randn(1, 64))
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_trace_removes_its_hooks_when_the_forward_fails():
    model = _mlp()
    with pytest.raises(RuntimeError), trace(model):
        model(hb.randn(1, 63))  # wrong width
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    from hubel import autograd

    assert not autograd._op_hooks


def test_graph_drawn_after_backward_frees_the_saved_arrays():
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    y = (x.sigmoid() * x).sum()
    y.backward()
    assert len(draw_graph(y).nodes) == 4


# ------------------------------------------------------------------ bad input
def test_root_not_a_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="root to be a hubel.Tensor, got <class 'list'>"):
        draw_graph([1.0])


def test_a_leaf_root_is_a_runtime_error_naming_it():
    with pytest.raises(RuntimeError, match=r"root is a leaf tensor \(2,\) float32 with no graph"):
        draw_graph(hb.tensor([1.0, 2.0], requires_grad=True))


def test_depth_without_a_trace_says_how_to_trace():
    x = hb.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="hb.viz.trace"):
        draw_graph(x * x, depth=1)


def test_a_trace_that_saw_none_of_the_graph_says_where_to_compute_it():
    model = _mlp()
    with trace(model) as tape:
        pass
    loss = model(hb.randn(1, 64)).sum()  # computed after the with block
    with pytest.raises(ValueError, match="none of the ops behind root ran inside this trace"):
        draw_graph(loss, trace=tape, depth=1)


@pytest.mark.parametrize("depth", [-1, 1.5, True])
def test_bad_depth_is_a_value_error(depth):
    model = _mlp()
    with trace(model) as tape:
        out = model(hb.randn(1, 64))
    with pytest.raises(ValueError, match="depth to be an int >= 0"):
        draw_graph(out, trace=tape, depth=depth)


def test_bad_params_and_model_are_type_errors():
    x = hb.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="params to be a dict of name -> Tensor"):
        draw_graph(x * x, params=[x])
    with pytest.raises(TypeError, match="model to be a hubel.nn.Module"):
        draw_graph(x * x, model="resnet18")
    with pytest.raises(TypeError, match="trace: expected model"):
        trace(x)


def test_draw_model_checks_its_arguments():
    with pytest.raises(ValueError, match="input_size"):
        draw_model(_mlp(), (0,))
    with pytest.raises(ValueError, match="batch_size to be a positive int, got 0"):
        draw_model(_mlp(), (64,), batch_size=0)
