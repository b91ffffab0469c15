"""``Module`` and ``Parameter``: the containers a model is built from, shaped like ``torch.nn``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator

import numpy as np

from ..backend import get_default_dtype, to_device
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that a ``Module`` registers as learnable (``requires_grad`` by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = data.data
        if not isinstance(data, np.ndarray) and not hasattr(data, "__cuda_array_interface__"):
            data = np.asarray(data, dtype=get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class of every layer and model.

    Subclasses assign ``Parameter``s, sub-``Module``s and buffers as attributes in ``__init__``
    (the order of assignment is the order of ``parameters()`` and of ``state_dict()`` keys,
    e.g. ``"0.weight"``, ``"bn1.running_mean"``) and compute in ``forward``.
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if isinstance(value, Parameter | Module):
            for store in (self._parameters, self._modules, self._buffers, self.__dict__):
                store.pop(name, None)
            (self._parameters if isinstance(value, Parameter) else self._modules)[name] = value
            return
        for store, kind in (
            (self._parameters, Parameter),
            (self._modules, Module),
            (self._buffers, Tensor),
        ):
            if name in store:
                if value is not None and not isinstance(value, kind):
                    raise TypeError(
                        f"cannot assign {type(value).__name__} to {name!r}: it is registered "
                        f"as a {kind.__name__} (assign a {kind.__name__} or None)"
                    )
                store[name] = value
                return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None`` for an absent one, such as ``bias=False``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter({name!r}): expected a Parameter or None, got "
                f"{type(param).__name__}"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is saved in ``state_dict`` but not learned (BN's running mean)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer({name!r}): expected a Tensor or None, got {type(tensor).__name__}"
            )
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        self._modules[name] = module

    # ------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first, each once, with dotted names."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, store: str, recurse: bool, prefix: str = ""):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """(name, Parameter) pairs in registration order; a shared parameter appears once."""
        return self._named_members("_parameters", recurse, prefix)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True):
        return self._named_members("_buffers", recurse, prefix)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------ modes and state
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, BN uses batch statistics), recursively."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Inference mode (dropout off, BN uses its running statistics), recursively."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def state_dict(self, prefix: str = "") -> OrderedDict:
        """Parameters and persistent buffers by dotted name, as PyTorch names them.

        Values are detached tensors sharing memory with the model (copy before mutating).
        """
        state = OrderedDict()
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip(".")):
            base = f"{module_prefix}." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    state[base + name] = p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    state[base + name] = b.detach()
        return state

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values into this module's parameters and buffers, by name.

        Shapes must match exactly; with ``strict`` the key sets must match too. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict: keys do not match: missing {missing[:10]}"
                f"{' ...' if len(missing) > 10 else ''}, unexpected {unexpected[:10]}"
                f"{' ...' if len(unexpected) > 10 else ''}"
            )
        targets = dict(self._named_tensors())
        for key, value in state_dict.items():
            if key not in targets:
                continue
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            target = targets[key]
            if tuple(array.shape) != tuple(target.shape):
                raise ValueError(
                    f"load_state_dict: {key!r} has shape {tuple(array.shape)} in the state dict "
                    f"but {tuple(target.shape)} in the model"
                )
            target.data[...] = to_device(array, target.device)
        return missing, unexpected

    def _named_tensors(self):
        for module_prefix, module in self.named_modules():
            base = f"{module_prefix}." if module_prefix else ""
            for store in (module._parameters, module._buffers):
                for name, t in store.items():
                    if t is not None:
                        yield base + name, t

    def _apply_to_tensors(self, fn: Callable) -> Module:
        for _, t in self._named_tensors():
            t.data = fn(t.data)
            if t.grad is not None:
                t.grad = Tensor(fn(t.grad.data))
        return self

    def to(self, target) -> Module:
        """``to(dtype)`` casts floating parameters and buffers; ``to("cpu"/"cuda")`` moves all."""
        if isinstance(target, str) and target in ("cpu", "cuda", "gpu"):
            return self._apply_to_tensors(lambda a: to_device(a, target))
        dtype = np.dtype(target)
        if dtype.kind != "f":
            raise TypeError(f"to: expected a floating dtype or a device, got {target!r}")
        return self._apply_to_tensors(lambda a: a.astype(dtype) if a.dtype.kind == "f" else a)

    def float(self) -> Module:
        return self.to(np.float32)

    def double(self) -> Module:
        return self.to(np.float64)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and on self, e.g. for custom init."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after every forward; a non-None return
        replaces the output. Used by the analyzer to see each layer's shapes."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs)`` runs before every forward."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def __call__(self, *args, **kwargs):
        for hook in tuple(self._forward_pre_hooks.values()):
            hook(self, args)
        out = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    # ------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"{extra}\n" if extra else "\n")
        return head + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:  # Jupyter: the module tree with parameter counts
        from hubel.viz.html import module_html

        return module_html(self)

    def __dir__(self):
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers)
        )
