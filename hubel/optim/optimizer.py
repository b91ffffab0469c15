"""``Optimizer``: the base every update rule shares, shaped like ``torch.optim.Optimizer``.

An optimizer holds ``param_groups`` (lists of parameters, each list with its own options such as
``lr``) and ``state`` (per parameter: a step count and running averages). ``step()`` walks every
parameter that has a gradient and hands its arrays to the subclass's ``_update``, which changes
``param.data`` in place; the gradient is only ever read.
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable

from ..autograd import enable_grad, no_grad
from ..backend import get_array_module, to_device
from ..nn.module import Module, RemovableHandle
from ..tensor import Tensor


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``step`` and saving.

    ``params`` is an iterable of ``Parameter``s (one group) or of dicts, each with a ``"params"``
    entry and any options that override the optimizer's ``defaults`` for that group::

        SGD([{"params": model.body.parameters()},
             {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3, momentum=0.9)

    Subclasses pass their options as ``defaults``, check a group's options in ``_check_group``
    and update one parameter's arrays in place in ``_update(group, state, param, grad)``.
    """

    def __init__(self, params: Iterable, defaults: dict):
        self.defaults = dict(defaults)
        self._check_group(self.defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._step_pre_hooks: dict = {}
        self._step_post_hooks: dict = {}
        self._work: dict = {}  # scratch arrays of the fast update kernels, per dtype; not state
        self._step_count = 0
        for group in self._as_groups(params):
            self.add_param_group(group)

    # ------------------------------------------------------------ parameter groups
    def _as_groups(self, params) -> list[dict]:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Parameters or of dicts, got "
                f"a single {type(params).__name__}; wrap it in a list: [p]"
            )
        if isinstance(params, Module):
            raise TypeError(
                f"{name}: params must be an iterable of Parameters, got the module "
                f"{type(params).__name__}; pass model.parameters()"
            )
        if isinstance(params, set | dict) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an ordered iterable (list, generator) of "
                f"Parameters or of dicts, got {type(params).__name__}"
            )
        params = list(params)
        if not params:
            raise ValueError(
                f"{name}: got an empty parameter list (params=[]); did the model "
                f"register its layers as attributes?"
            )
        return params if isinstance(params[0], dict) else [{"params": params}]

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones taken from defaults).

        Useful to unfreeze layers during fine-tuning. A parameter may belong to one group only.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}.add_param_group: expected a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(
                f"{name}.add_param_group: the dict has no 'params' entry (keys: "
                f"{sorted(param_group)})"
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: a group's params must be an ordered iterable of Parameters, "
                f"got {type(params).__name__}"
            )
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                hint = "; pass model.parameters()" if isinstance(p, Module) else ""
                raise TypeError(
                    f"{name}: params[{i}] must be a Parameter, got {type(p).__name__}{hint}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: params[{i}] is not a leaf tensor (it was computed by "
                    f"an op); only leaves such as Parameters can be optimized"
                )
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: a parameter appears twice in the same group")
        if seen & set(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming any option of ``group`` that is invalid."""

    # ------------------------------------------------------------ the step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients, before the next backward accumulates new ones.

        ``set_to_none=True`` (the default) sets ``p.grad = None``: the next ``step`` skips a
        parameter that gets no gradient. ``set_to_none=False`` gives each a fresh tensor of
        zeros instead (a new array: gradients may be shared, so they are never zeroed in place).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor(get_array_module(p.grad.data).zeros_like(p.grad.data))

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient, in place; return ``closure()`` if given.

        ``closure`` re-evaluates the model and returns the loss (computing gradients inside).
        """
        for hook in tuple(self._step_pre_hooks.values()):
            hook(self, (), {})
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(group, self.state[p], p.data, p.grad.data)
                        p._version_counter.bump(f"{type(self).__name__}.step")
        self._step_count += 1
        for hook in tuple(self._step_post_hooks.values()):
            hook(self, (), {})
        return loss

    def _update(self, group: dict, state: dict, param, grad) -> None:  # pragma: no cover
        """Change ``param`` (an array) in place from ``grad`` (read only) and ``state``."""
        raise NotImplementedError(f"{type(self).__name__} must define _update()")

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before every ``step``."""
        handle = RemovableHandle(self._step_pre_hooks)
        self._step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after every ``step``."""
        handle = RemovableHandle(self._step_post_hooks)
        self._step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------ saving and restoring
    def state_dict(self) -> dict:
        """``{"state": {index: {name: array or number}}, "param_groups": [options + indices]}``.

        Parameters are numbered in order across the groups, as PyTorch does, so the dict can be
        loaded into a fresh optimizer over a fresh model. Arrays are the live state (NumPy) or
        host copies (CuPy); ``hb.save(opt.state_dict(), path)`` stores it without pickle.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {key: _to_host(value) for key, value in values.items()}
            for p, values in self.state.items()
            if values and id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by ``state_dict`` (possibly via ``hb.save/load``).

        The groups must have the same sizes as this optimizer's. Arrays are copied into this
        optimizer's parameters' dtype and device, so training continues exactly where it left.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and "
                f"'param_groups' entries, as state_dict() returns"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                f"parameter groups, this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: param_groups[{i}] has "
                    f"{len(saved['params'])} parameters in the saved state but "
                    f"{len(group['params'])} here"
                )
            by_index.update(zip(saved["params"], group["params"]))
        state: defaultdict = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {key} but the "
                    f"groups list no such parameter"
                )
            p = by_index[int(key)]
            state[p] = {k: _restore(f"{name}.load_state_dict", k, v, p) for k, v in values.items()}
        self.state = state
        self.param_groups = [
            {**{k: v for k, v in saved.items() if k != "params"}, "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)
        ]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join([*lines, ")"])


def _to_host(value):
    return to_device(value, "cpu") if hasattr(value, "shape") else value


def _restore(owner: str, key: str, value, param: Tensor):
    """A saved state entry made ready for ``param``: arrays shaped like it are copied into its
    dtype and device; anything else (the step count, maybe saved as a 0-d array) is a number."""
    if isinstance(value, Tensor):
        value = value.data
    if not hasattr(value, "shape"):
        return value
    if tuple(value.shape) != tuple(param.shape):
        if value.size != 1:
            raise ValueError(
                f"{owner}: state {key!r} has shape {tuple(value.shape)} but its parameter has "
                f"shape {tuple(param.shape)}; was the state saved for another model?"
            )
        return value.item()
    array = to_device(value, param.device)
    return array.astype(param.dtype if array.dtype.kind == "f" else array.dtype, copy=True)


# ------------------------------------------------------------------ shared helpers
def check_non_negative(owner: str, group: dict, *names: str) -> None:
    """Every option in ``names`` must be a real number >= 0."""
    for name in names:
        value = group[name]
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
        if not value >= 0:
            raise ValueError(f"{owner}: {name} must be >= 0, got {value!r}")
