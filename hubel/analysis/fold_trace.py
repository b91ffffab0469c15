"""Which tensor feeds which layer: one forward pass watched by module hooks and an op hook.

BN folding may absorb a BatchNorm into the Conv2d/Linear before it only when the BatchNorm's
input IS that layer's output tensor and nothing else reads that tensor (folding changes the
layer's output, so every other reader would see different numbers). A module tree alone cannot
tell: ``self.bn1(self.conv1(x))`` lives in a ``forward`` method. So run the model once and
record, by tensor identity:

* for each module: how often it was called, its first input and its output;
* for each tensor: the innermost module that returned it, or else the op that made it;
* for each tensor: every op that read it, and in which module's ``forward`` that op ran.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..autograd import no_grad, register_op_hook
from ..nn import Module
from ..tensor import Tensor


@dataclass
class Use:
    """One op that read a tensor: the op's name and the module whose ``forward`` ran it
    (``""``: the top-level model's own ``forward``)."""

    op: str
    module: str

    def describe(self) -> str:
        where = f"'{self.module}'" if self.module else "the model's forward"
        return f"{self.op} in {where}"


@dataclass
class Trace:
    """What one forward pass showed. Tensors are keyed by ``id``; ``keep`` holds every traced
    tensor alive so that no id is reused by a new tensor during the pass."""

    calls: Counter = field(default_factory=Counter)  # module name -> times called
    kinds: dict[str, str] = field(default_factory=dict)  # module name -> class name
    inputs: dict[str, Tensor] = field(default_factory=dict)  # module name -> first input
    outputs: dict[str, Tensor] = field(default_factory=dict)  # module name -> output
    made_by_module: dict[int, str] = field(default_factory=dict)  # innermost module
    made_by_op: dict[int, Use] = field(default_factory=dict)
    uses: defaultdict = field(default_factory=lambda: defaultdict(list))  # id -> [Use]
    model_inputs: set[int] = field(default_factory=set)
    model_outputs: set[int] = field(default_factory=set)
    keep: list = field(default_factory=list)

    def origin(self, tensor: Tensor) -> str:
        """Where ``tensor`` came from, in words: a module, an op, or the model's input."""
        key = id(tensor)
        if key in self.made_by_module:
            name = self.made_by_module[key]
            return f"{self.kinds[name]} '{name}'"
        if key in self.made_by_op:
            return f"op {self.made_by_op[key].describe()}"
        if key in self.model_inputs:
            return "the model's input"
        return "a tensor made outside any traced op"


def _tensors(value) -> list[Tensor]:
    """The tensors in a module's output: a tensor, or tuples/lists/dicts of them."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, tuple | list):
        return [t for item in value for t in _tensors(item)]
    return []


def trace_model(model: Module, example_input: Tensor) -> Trace:
    """Run ``model(example_input)`` once (without recording gradients) and return the
    :class:`Trace`. Every hook is removed afterwards, even if the forward pass fails."""
    trace = Trace()
    names = {id(module): name for name, module in model.named_modules()}
    stack: list[str] = []  # the modules whose forward is running, innermost last

    def before(module: Module, args: tuple) -> None:
        name = names[id(module)]
        stack.append(name)
        trace.calls[name] += 1
        trace.kinds[name] = type(module).__name__
        if args and isinstance(args[0], Tensor):
            trace.inputs[name] = args[0]
            trace.keep.append(args[0])

    def after(module: Module, args: tuple, output) -> None:
        name = stack.pop()
        trace.outputs[name] = output
        for tensor in _tensors(output):
            # The innermost module's hook runs first: a Sequential that returns its last
            # layer's output must not take the credit for making it.
            trace.made_by_module.setdefault(id(tensor), name)
            trace.keep.append(tensor)

    def on_op(function, inputs, output, options) -> None:
        use = Use(function.__name__, stack[-1] if stack else "")
        for tensor in inputs:
            if isinstance(tensor, Tensor):
                trace.uses[id(tensor)].append(use)
                trace.keep.append(tensor)
        trace.made_by_op.setdefault(id(output), use)
        trace.keep.append(output)

    handles = [register_op_hook(on_op)]
    for module in model.modules():
        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))
    trace.model_inputs.add(id(example_input))
    try:
        with no_grad():
            output = model(example_input)
    finally:
        for handle in handles:
            handle.remove()
    trace.model_outputs = {id(t) for t in _tensors(output)}
    trace.keep.append(output)
    return trace
