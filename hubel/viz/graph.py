"""The graph ``backward`` walks, as nodes and edges ready to lay out and draw.

A node is one op (the ``Function`` that made a tensor), one leaf (a tensor made by the user: a
parameter, an input, a constant), or, with ``depth=``, one module call collapsed to a box.
Edges point the way data flows: from a leaf or op to the op that used it, so the loss is the
last node. An op that uses the same input twice (``x * x``) has one edge from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hubel.nn.module import Module, Parameter
from hubel.tensor import Tensor
from hubel.viz.trace import GraphTrace, ModuleCall

SMALL = 4  # tensors with at most this many values show them (micrograd-style)


@dataclass(frozen=True)
class GraphNode:
    """One box of the drawing.

    Attributes:
        key: ``"n0"``, ``"n1"``, ... in the order the walk from the root found them.
        kind: ``"op"``, ``"module"`` (a collapsed module call), ``"param"`` (a leaf that
            requires grad) or ``"constant"`` (a leaf that does not).
        title: the op's Function name, the module's name and class, or the leaf's name.
        lines: shape and dtype, then any values and gradients asked for.
        is_root: the tensor ``draw_graph`` was given.
    """

    key: str
    kind: str
    title: str
    lines: tuple[str, ...]
    is_root: bool = False


def describe_shape(tensor: Tensor) -> str:
    """``'(32, 10) float32'``; ``'scalar float32'`` for a 0-d tensor."""
    shape = "scalar" if tensor.ndim == 0 else str(tuple(int(n) for n in tensor.shape))
    return f"{shape} {tensor.dtype}"


def _values(array: np.ndarray) -> str:
    text = ", ".join(f"{float(v):.4g}" for v in np.asarray(array, dtype=np.float64).ravel())
    return text if np.ndim(array) == 0 else f"[{text}]"


def _value_lines(tensor: Tensor, show_values: bool, show_grads: bool) -> list[str]:
    lines = []
    if show_values and tensor.data.size <= SMALL:
        lines.append(f"data {_values(tensor.detach().numpy())}")
    if show_grads and tensor.requires_grad and (tensor.is_leaf or tensor._retains_grad):
        grad = tensor.grad
        if grad is None:
            lines.append("grad None")
        elif grad.data.size <= SMALL:
            lines.append(f"grad {_values(grad.detach().numpy())}")
        else:
            norm = float(np.linalg.norm(np.asarray(grad.detach().numpy(), dtype=np.float64)))
            lines.append(f"‖grad‖ {norm:.4g}")
    return lines


def _reachable(root: Tensor) -> list[Tensor]:
    """Every tensor the walk from ``root`` reaches, root first (iterative: deep chains are fine)."""
    order, seen, stack = [], set(), [root]
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        order.append(tensor)
        if tensor._fn is not None:
            stack.extend(reversed(_inputs(tensor)))
    return order


def _inputs(tensor: Tensor) -> list[Tensor]:
    """The tensor inputs of the op that made ``tensor`` (numbers passed to it are constants of the
    op, not nodes)."""
    return [parent for parent in tensor._parents if isinstance(parent, Tensor)]


def _group_of(call: ModuleCall | None, depth: int | None) -> ModuleCall | None:
    """The module call an op collapses into at ``depth``: its enclosing call at exactly that
    depth, or a childless module (a layer) shallower than it; ``None`` keeps the op itself."""
    if call is None or depth is None:
        return None
    group = call.ancestor_at(depth)
    if group is None and not call.has_children and call.depth >= 1:
        group = call
    return group


def _belongs(name: str | None, call: ModuleCall) -> bool:
    """Whether a leaf used only inside ``call`` is its own: one of its parameters or buffers,
    or an unnamed constant its forward made (option-A ResNet's zero padding)."""
    return name is None or call.name == "" or name.startswith(call.name + ".")


def _names(params: dict | None, model: Module | None, trace: GraphTrace | None) -> dict[int, str]:
    names: dict[int, str] = {}
    if trace is not None:
        names.update(trace.input_names())
    if model is not None:
        for name, tensor in (*model.named_buffers(), *model.named_parameters()):
            names[id(tensor)] = name
    for name, tensor in (params or {}).items():
        names[id(tensor)] = name
    return names


def check_arguments(root, params, model, trace, depth) -> None:
    """The errors ``draw_graph`` raises for bad input, at its boundary."""
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected root to be a hubel.Tensor, got {type(root)}")
    if root._fn is None:
        raise RuntimeError(
            f"draw_graph: root is a leaf tensor {describe_shape(root)} with no graph behind it "
            "(no grad_fn); draw a tensor computed from tensors with requires_grad=True, e.g. a "
            "loss"
        )
    if params is not None and (
        not isinstance(params, dict)
        or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in params.items())
    ):
        raise TypeError(
            "draw_graph: expected params to be a dict of name -> Tensor, e.g. "
            f"dict(model.named_parameters()), got {type(params)}"
        )
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"draw_graph: expected model to be a hubel.nn.Module, got {type(model)}")
    if trace is not None and not isinstance(trace, GraphTrace):
        raise TypeError(f"draw_graph: expected trace from hubel.viz.trace(model), got {trace!r}")
    if depth is not None:
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
            raise ValueError(f"draw_graph: expected depth to be an int >= 0 or None, got {depth!r}")
        if trace is None:
            raise ValueError(
                "draw_graph: depth= collapses module calls, which needs to know which module "
                "made each op: build the graph inside `with hb.viz.trace(model) as tape:` and "
                "pass trace=tape, or use hb.viz.draw_model(model, input_size, depth=...)"
            )


def build_graph(
    root: Tensor,
    params: dict | None = None,
    model: Module | None = None,
    trace: GraphTrace | None = None,
    depth: int | None = None,
    show_values: bool = False,
    show_grads: bool = False,
) -> tuple[list[GraphNode], list[tuple[str, str]]]:
    """The nodes and the data-flow edges ``(from_key, to_key)`` of the graph behind ``root``.

    See :func:`hubel.viz.draw_graph` for the arguments; this does the work without drawing.
    """
    check_arguments(root, params, model, trace, depth)
    if model is None and trace is not None:
        model = trace.model
    names = _names(params, model, trace)
    tensors = _reachable(root)
    consumers: dict[int, list[Tensor]] = {}
    for tensor in tensors:
        for parent in _inputs(tensor) if tensor._fn is not None else ():
            consumers.setdefault(id(parent), []).append(tensor)

    calls = {id(t): trace.call_of(t) if trace else None for t in tensors if t._fn is not None}
    if trace is not None and not any(calls.values()):
        raise ValueError(
            f"draw_graph: none of the ops behind root ran inside this trace of "
            f"{type(trace.model).__name__}; compute root inside `with hb.viz.trace(model) as "
            "tape:` (the forward pass at least), then pass trace=tape"
        )
    unit: dict[int, object] = {}  # id(tensor) -> the tensor itself, or the ModuleCall it joins
    for tensor in tensors:
        group = _group_of(calls.get(id(tensor)), depth) if tensor._fn is not None else None
        unit[id(tensor)] = group if group is not None else tensor
    inputs = set(trace.input_names()) if trace is not None else set()
    for tensor in tensors:  # a module's own leaves disappear into its collapsed box
        if tensor._fn is None and id(tensor) not in inputs:
            users = {id(unit[id(user)]) for user in consumers.get(id(tensor), ())}
            owner = unit[id(consumers[id(tensor)][0])] if len(users) == 1 else None
            if isinstance(owner, ModuleCall) and _belongs(names.get(id(tensor)), owner):
                unit[id(tensor)] = owner

    members: dict[int, list[Tensor]] = {}
    for tensor in tensors:
        members.setdefault(id(unit[id(tensor)]), []).append(tensor)
    keys = {uid: f"n{index}" for index, uid in enumerate(members)}
    nodes = []
    for uid, group in members.items():
        first = unit[id(group[0])]
        if isinstance(first, ModuleCall):
            node = _module_node(keys[uid], first, group, show_values)
        else:
            node = _tensor_node(keys[uid], first, names, calls, show_values, show_grads)
        nodes.append(node)
    nodes[0] = replace(nodes[0], is_root=True)  # the walk found the root first

    edges: list[tuple[str, str]] = []
    seen = set()
    for tensor in reversed(tensors):  # from the leaves on, so edges list in data-flow order
        if tensor._fn is None:
            continue
        for parent in _inputs(tensor):
            edge = (keys[id(unit[id(parent)])], keys[id(unit[id(tensor)])])
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                edges.append(edge)
    return nodes, edges


def _tensor_node(key, tensor, names, calls, show_values, show_grads) -> GraphNode:
    lines = [describe_shape(tensor)]
    if tensor._fn is not None:
        call = calls.get(id(tensor))
        if call is not None and call.name:
            lines.insert(0, f"in {call.name}")
        kind, title = "op", tensor._fn.__name__
    else:
        kind = "param" if tensor.requires_grad else "constant"
        title = names.get(id(tensor), "leaf" if tensor.requires_grad else "tensor")
        lines.append(f"requires_grad={tensor.requires_grad}")
    lines += _value_lines(tensor, show_values, show_grads)
    return GraphNode(key, kind, title, tuple(lines))


def _module_node(key, call: ModuleCall, group: list[Tensor], show_values) -> GraphNode:
    ops = [t for t in group if t._fn is not None]
    absorbed = sum(t.data.size for t in group if isinstance(t, Parameter))  # frozen ones too
    # the call's output when one of its ops made it (else the last op: a module may return a
    # tensor made elsewhere, or a tuple)
    output = call.output if any(t is call.output for t in ops) else ops[0]
    title = f"{call.name} · {call.type_name}" if call.name else call.type_name
    lines = [describe_shape(output)]
    if absorbed:
        lines.append(f"{absorbed:,} params")
    lines += _value_lines(output, show_values, False)
    return GraphNode(key, "module", title, tuple(lines))
