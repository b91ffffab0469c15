"""The trace behind :func:`hubel.analysis.summary`: one forward pass watched by hooks.

Every module gets a forward pre-hook and a forward hook, and one op hook sees every op. They
build a tree of calls in the order they ran:

- a **unit** (a layer with a counting rule, or any module without children) is one leaf:
  the ops it runs, and any module it calls, are its own cost;
- a **container** (a module with children and no rule) is expanded: its children's calls are
  its children, and each op its own ``forward`` runs (``x + identity``, ``torch.cat``) becomes
  a leaf of its own, named ``layer1.0 (add)``.

So each op is counted exactly once, by the innermost module running it. Modules that never ran
(e.g. GoogLeNet's auxiliary heads in eval mode) are added afterwards, marked "not run", so
that every parameter is in the tree once. The hooks live only for this one forward pass.

For the network's depth the trace follows the data: each op's output is one conv/linear/matmul
further than the deepest of its inputs. It keeps every op's output alive until it ends (as a
training forward would), so that no tensor's ``id`` is reused meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from hubel.analysis.summary_rules import (
    Count,
    LayerCall,
    count_layer,
    count_op,
    is_hubel_layer,
    layer_rule,
    tensors_in,
    weighted_ops,
)
from hubel.autograd import register_op_hook
from hubel.tensor import Tensor

Shape = tuple[int, ...]


def _shapes(value) -> tuple[Shape, ...]:
    return tuple(tuple(int(size) for size in t.shape) for t in tensors_in(value))


def nbytes(value) -> int:
    """The bytes of the tensors in ``value`` (see :func:`tensors_in`)."""
    return sum(t.numel() * t.dtype.itemsize for t in tensors_in(value))


@dataclass
class Node:
    """One call in the tree (or a module that never ran, with ``note='not run'``)."""

    name: str
    type_name: str
    depth: int
    module: object = None  # None for an op called in a container's forward
    input_shapes: tuple[Shape, ...] = ()
    output_shapes: tuple[Shape, ...] = ()
    output_bytes: int = 0
    count: Count = field(default_factory=Count)
    note: str = ""
    trainable: int = 0
    frozen: int = 0
    buffers: int = 0
    children: list[Node] = field(default_factory=list)

    def leaves(self) -> Iterator[Node]:
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()


@dataclass
class _Frame:
    """A module running now: ``kind`` is "container", "unit", or "inside" (within a unit)."""

    node: Node | None
    kind: str
    ops: list[Count] = field(default_factory=list)
    ran_ops: bool = False


def _is_unit(module) -> bool:
    return layer_rule(module) is not None or next(module.children(), None) is None


class Trace:
    """Hooks that record one forward pass of ``model`` as a tree of :class:`Node`."""

    def __init__(self, model):
        self.model = model
        named = list(model.named_modules())
        self.names = {id(module): name for name, module in named}
        self.order = {id(module): index for index, (_, module) in enumerate(named)}
        self.first_call: dict[int, Node] = {}
        self.stack: list[_Frame] = []
        self.roots: list[Node] = []
        self.unknown_layers: dict[str, list[str]] = defaultdict(list)
        self.unknown_ops: dict[str, list[str]] = defaultdict(list)
        self.silent_layers: dict[str, list[str]] = defaultdict(list)
        self.warnings: list[str] = []
        self.mismatches: list[str] = []
        # longest chain of weighted ops ending at each tensor, and the tensor itself
        self.chain: dict[int, tuple[Tensor, int]] = {}
        self._weighted = weighted_ops()
        self._handles: list = []

    # ------------------------------------------------------------------ hooks on and off
    def __enter__(self) -> Trace:
        try:
            for _, module in self.model.named_modules():
                self._handles.append(module.register_forward_pre_hook(self._before))
                self._handles.append(module.register_forward_hook(self._after))
            self._handles.append(register_op_hook(self._op))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    # ------------------------------------------------------------------ the hooks
    def _before(self, module, args) -> None:
        if self.stack and self.stack[-1].kind != "container":
            self.stack.append(_Frame(None, "inside"))  # a unit's own business
            return
        name = self.names[id(module)]
        depth = 0 if name == "" else name.count(".") + 1
        node = Node(name, type(module).__name__, depth, module, _shapes(args))
        if id(module) in self.first_call:
            node.note = "called again"
        else:
            self.first_call[id(module)] = node
        (self.stack[-1].node.children if self.stack else self.roots).append(node)
        self.stack.append(_Frame(node, "unit" if _is_unit(module) else "container"))

    def _after(self, module, args, output) -> None:
        frame = self.stack.pop()
        if frame.kind == "inside":
            return
        node = frame.node
        node.output_shapes, node.output_bytes = _shapes(output), nbytes(output)
        if frame.kind == "unit":
            ops = sum(frame.ops, Count())
            node.count = count_layer(LayerCall(module, args, output, ops))
            self._check_unit(node, frame, ops)

    def _op(self, function: type, inputs: tuple, output, options: dict) -> None:
        self._follow_chain(function, inputs, output)
        frame = next((f for f in reversed(self.stack) if f.kind != "inside"), None)
        if frame is None:
            return  # not inside the model's forward
        count = count_op(function, inputs, output, options)
        container = frame.node.name or type(self.model).__name__
        if count is None:
            self.unknown_ops[function.__name__].append(container)
            count = Count()
        if frame.kind == "unit":
            frame.ops.append(count)
            frame.ran_ops = True
            return
        kind = function.__name__
        siblings = [c for c in frame.node.children if c.module is None and c.type_name == kind]
        suffix = f" {len(siblings) + 1}" if siblings else ""
        name = f"{frame.node.name} ({kind.lower()}{suffix})".lstrip()
        node = Node(name, kind, frame.node.depth + 1, None, _shapes(inputs))
        node.output_shapes, node.output_bytes = _shapes(output), nbytes(output)
        node.count = count
        frame.node.children.append(node)

    def _follow_chain(self, function: type, inputs: tuple, output) -> None:
        chain = max((self.chain.get(id(t), (None, 0))[1] for t in tensors_in(inputs)), default=0)
        self.chain[id(output)] = (output, chain + (function in self._weighted))

    def _check_unit(self, node: Node, frame: _Frame, ops: Count) -> None:
        module = node.module
        if layer_rule(module) is None and not is_hubel_layer(module):
            target = self.unknown_layers if frame.ran_ops else self.silent_layers
            target[node.type_name].append(node.name)
        elif is_hubel_layer(module) and frame.ran_ops and node.count.macs != ops.macs:
            self.mismatches.append(
                f"{node.name} ({node.type_name}): its rule gives {node.count.macs:,} MACs but "
                f"the ops it ran give {ops.macs:,}"
            )

    # ------------------------------------------------------------------ after the pass
    def network_depth(self, output) -> int:
        """The longest chain of conv/linear/matmul ops from the input to an output."""
        return max((self.chain.get(id(t), (None, 0))[1] for t in tensors_in(output)), default=0)

    def finish(self) -> Node:
        """The tree, with the modules that never ran added and every parameter placed once."""
        if len(self.roots) != 1:
            raise RuntimeError(f"summary: expected one call of the model, saw {len(self.roots)}")
        root = self.roots[0]
        self._add_modules_not_run()
        seen: set[int] = set()
        _place_parameters(root, seen)
        self._collect_warnings()
        return root

    def _add_modules_not_run(self) -> None:
        modules = {name: module for name, module in self.model.named_modules()}
        for name, module in modules.items():
            parent_name = name.rpartition(".")[0]
            parent = self.first_call.get(id(modules[parent_name])) if name else None
            if id(module) in self.first_call or parent is None or _is_unit(parent.module):
                continue  # it ran, or it belongs to a module that did not run, or to a unit
            index = self.order[id(module)]
            position = 0
            for i, child in enumerate(parent.children):
                if child.module is not None and self.order[id(child.module)] < index:
                    position = i + 1
            parent.children.insert(position, self._not_run(name, module))

    def _not_run(self, name: str, module) -> Node:
        node = Node(name, type(module).__name__, name.count(".") + 1, module, note="not run")
        self.first_call[id(module)] = node
        if not _is_unit(module):
            node.children = [
                self._not_run(f"{name}.{child_name}", child)
                for child_name, child in module.named_children()
                if id(child) not in self.first_call
            ]
        return node

    def _collect_warnings(self) -> None:
        for type_name, names in self.unknown_layers.items():
            self.warnings.append(
                f"summary: no counting rule for layer type {type_name} ({_some(names)}): "
                "counted from the ops its forward ran; check its row, or declare a rule with "
                f"hubel.analysis.register_layer_rule({type_name}, rule)"
            )
        for type_name, names in self.silent_layers.items():
            self.warnings.append(
                f"summary: no counting rule for layer type {type_name} ({_some(names)}), and its "
                "forward ran no hubel ops (it works on raw arrays?): counted 0 MACs and 0 other "
                f"ops; declare a rule with hubel.analysis.register_layer_rule({type_name}, rule)"
            )
        for op_name, places in self.unknown_ops.items():
            self.warnings.append(
                f"summary: no counting rule for op {op_name} (run in {_some(places)}): counted 0"
            )
        self.warnings += [f"summary: {text}" for text in self.mismatches]


def _some(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:3])
    return shown + (f" and {len(unique) - 3} more" if len(unique) > 3 else "")


def _place_parameters(node: Node, seen: set[int]) -> None:
    """Give each parameter and buffer to the first node that owns it, in tree order.

    A unit owns everything below its module; a container owns only its direct parameters,
    which get a child row of their own (``name (parameters)``) so that rows stay leaves.
    """
    module = node.module
    if module is not None and node.note != "called again":
        recurse = not node.children
        params = [p for p in module.parameters(recurse=recurse) if id(p) not in seen]
        buffers = [b for b in module.buffers(recurse=recurse) if id(b) not in seen]
        seen.update(id(t) for t in params + buffers)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        frozen = sum(p.numel() for p in params if not p.requires_grad)
        buffer_count = sum(b.numel() for b in buffers)
        owner = node
        if node.children and (params or buffers):
            owner = Node(f"{node.name} (parameters)".lstrip(), node.type_name, node.depth + 1)
            node.children.insert(0, owner)
        owner.trainable, owner.frozen, owner.buffers = trainable, frozen, buffer_count
    for child in node.children:
        _place_parameters(child, seen)
