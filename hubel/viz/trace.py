"""Which module call made each op: the record that lets a drawn graph name and collapse modules.

    with hb.viz.trace(model) as tape:
        loss = F.cross_entropy(model(x), y)
    hb.viz.draw_graph(loss, trace=tape, depth=1)

Every module gets a forward pre-hook and a forward hook (as :mod:`hubel.analysis.summary_trace`
does), so the trace knows the stack of module calls running at each moment, and one op hook
files each op's output under the innermost call. A module called twice (ResNet's ``relu``) is
two calls, so collapsing by call never merges two places of the network into one node (which
would draw a cycle). The trace keeps every op's output alive until it is dropped, so no
tensor's ``id`` is reused while it is being read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from hubel.autograd import register_op_hook
from hubel.nn.module import Module
from hubel.tensor import Tensor


@dataclass(eq=False)
class ModuleCall:
    """One call of one module: its qualified name (``layer1.0.conv1``; ``""`` for the traced
    model itself), class name, depth (``layer1`` is 1, ``layer1.0`` 2; the model 0), the call
    it ran inside, and its first output tensor."""

    name: str
    type_name: str
    depth: int
    has_children: bool
    parent: ModuleCall | None
    output: Tensor | None = None
    inputs: tuple = field(default=(), repr=False)

    def ancestor_at(self, depth: int) -> ModuleCall | None:
        """This call or the one enclosing it at exactly ``depth``; ``None`` when shallower."""
        call: ModuleCall | None = self
        while call is not None and call.depth > depth:
            call = call.parent
        return call if call is not None and call.depth == depth else None


class GraphTrace:
    """Hooks on ``model`` that record, for every op run inside the ``with`` block, the module
    call that ran it. Use through :func:`trace`."""

    def __init__(self, model: Module):
        if not isinstance(model, Module):
            raise TypeError(f"trace: expected model to be a hubel.nn.Module, got {type(model)}")
        self.model = model
        self.calls: list[ModuleCall] = []
        self._names = {id(module): name for name, module in model.named_modules()}
        self._stack: list[ModuleCall] = []
        self._op_calls: dict[int, tuple[Tensor, ModuleCall | None]] = {}
        self._hooks = contextlib.ExitStack()

    def __enter__(self) -> GraphTrace:
        with contextlib.ExitStack() as hooks:  # on an error, the hooks attached so far go
            for _, module in self.model.named_modules():
                hooks.enter_context(module.register_forward_pre_hook(self._before))
                hooks.enter_context(module.register_forward_hook(self._after))
            hooks.enter_context(register_op_hook(self._op))
            self._hooks = hooks.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self._hooks.close()
        self._stack.clear()

    def _before(self, module: Module, inputs: tuple) -> None:
        name = self._names[id(module)]
        call = ModuleCall(
            name=name,
            type_name=type(module).__name__,
            depth=0 if name == "" else name.count(".") + 1,
            has_children=next(module.children(), None) is not None,
            parent=self._stack[-1] if self._stack else None,
            inputs=tuple(x for x in inputs if isinstance(x, Tensor)),
        )
        self.calls.append(call)
        self._stack.append(call)

    def _after(self, module: Module, inputs: tuple, output) -> None:
        call = self._stack.pop()
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        call.output = next((t for t in outputs if isinstance(t, Tensor)), None)

    def _op(self, function, inputs, output, options) -> None:
        self._op_calls[id(output)] = (output, self._stack[-1] if self._stack else None)

    def call_of(self, tensor: Tensor) -> ModuleCall | None:
        """The innermost module call that made ``tensor``; ``None`` for one made outside the
        model (the loss) or before the trace began."""
        entry = self._op_calls.get(id(tensor))
        return entry[1] if entry is not None and entry[0] is tensor else None

    def input_names(self) -> dict[int, str]:
        """``id`` → ``"input"`` (``"input.1"``, ... for more) for the tensors the model was called
        with, so a drawing can name them."""
        roots = [call for call in self.calls if call.parent is None]
        names: dict[int, str] = {}
        for call in roots:
            for index, tensor in enumerate(call.inputs):
                names.setdefault(id(tensor), "input" if index == 0 else f"input.{index}")
        return names


def trace(model: Module) -> GraphTrace:
    """A context manager that records which module call made each op run inside it, so that
    :func:`~hubel.viz.draw_graph` can name the modules and collapse them with ``depth=``.

    ``with hb.viz.trace(model) as tape: loss = loss_fn(model(x), y)``, then
    ``hb.viz.draw_graph(loss, trace=tape, depth=1)``.
    """
    return GraphTrace(model)
