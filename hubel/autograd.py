"""Reverse-mode automatic differentiation.

Every differentiable op is a ``Function`` with a ``forward`` and a ``backward`` on raw arrays.
Calling ``Fn.apply(*tensors)`` runs ``forward`` and, when a gradient is wanted, records the op on
the output tensor: which function made it, its context (what ``forward`` saved) and its inputs.
Those records form a graph; ``backward`` walks it from the loss back to the leaves, one node at
a time in reverse topological order, applying the chain rule at each node.
"""

from __future__ import annotations

import contextlib

from .backend import get_array_module
from .errors import ShapeError
from .tensor import Tensor

_grad_enabled = True
_op_hooks: dict = {}  # id -> hook(function, inputs, output, options); see register_op_hook


def is_grad_enabled() -> bool:
    """Whether new ops are being recorded for backward."""
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that sets gradient recording on or off."""

    enabled: bool

    def __enter__(self):
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._previous
        return False


class no_grad(_GradMode):
    """Don't record ops: for evaluation and for in-place parameter updates.

    ``with hb.no_grad(): ...`` or ``@hb.no_grad()`` on a function.
    """

    enabled = False


class enable_grad(_GradMode):
    """Record ops again inside a ``no_grad`` block."""

    enabled = True


class Context:
    """What ``forward`` leaves for ``backward``: saved arrays and any other attribute."""

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays


_FREED = object()  # marks a node whose saved arrays were released by a previous backward


class Function:
    """A differentiable op. Subclasses write ``forward(ctx, *arrays, **options)`` returning one
    array and ``backward(ctx, grad)`` returning one gradient per positional input (``None`` for
    inputs that need none). Gradients may come back in the broadcast shape of the output: the
    engine sums them back to each input's shape, once, in one place (``unbroadcast``).
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **kwargs):
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        ctx = Context()
        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        record = _grad_enabled and any(needs)
        ctx.needs_input_grad = needs if record else (False,) * len(inputs)
        out = Tensor(cls.forward(ctx, *arrays, **kwargs), requires_grad=record)
        _share_version_with_base(out, inputs)
        if record:
            out._fn = cls
            out._ctx = ctx
            out._parents = inputs
            ctx.watched = _watch_saved(ctx, inputs, out)
        if _op_hooks:
            for hook in tuple(_op_hooks.values()):
                hook(cls, inputs, out, kwargs)
        return out


def _memory_owner(array):
    """The array that owns ``array``'s memory (NumPy collapses chains of views onto it)."""
    base = getattr(array, "base", None)
    return array if base is None else base


def _share_version_with_base(out: Tensor, inputs) -> None:
    """A view (reshape, transpose, basic indexing) shares its input's memory, so it shares its
    version counter: an in-place change through either is seen by both (as in PyTorch)."""
    if getattr(out.data, "base", None) is None:
        return
    owner = out.data.base
    for x in inputs:
        if isinstance(x, Tensor) and _memory_owner(x.data) is owner:
            out._version_counter = x._version_counter
            return


def _watch_saved(ctx, inputs, out) -> tuple:
    """(counter, version, position, dtype, shape) for each input (position k) or output (-1)
    whose memory ``forward`` saved: backward refuses to run if any was changed in place since.
    (Described only when it fails: formatting on every op would cost more than the op.)"""
    saved = getattr(ctx, "saved_tensors", ())
    if not saved:
        return ()
    owners = {id(_memory_owner(a)) for a in saved if hasattr(a, "base")}
    watched = []
    for position, t in zip(range(-1, len(inputs)), (out, *inputs)):
        if isinstance(t, Tensor) and id(_memory_owner(t.data)) in owners:
            counter = t._version_counter
            watched.append((counter, counter.version, position, t.data.dtype, t.data.shape))
    return tuple(watched)


def _check_versions(node) -> None:
    for counter, version, position, dtype, shape in node._ctx.watched:
        if counter.version != version:
            what = "output 0" if position < 0 else f"input {position}"
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what} ({dtype}, shape {shape}) of {node._fn.__name__}, "
                f"modified by {counter.last_op}, is at version {counter.version}; expected version "
                f"{version} instead. Do the in-place change after backward, or use the "
                f"out-of-place op (e.g. x = x * 2 instead of x.mul_(2))."
            )


class OpHookHandle:
    """Returned by ``register_op_hook``; ``remove()`` (or leaving a ``with`` block) detaches it."""

    _next = 0

    def __init__(self, hook):
        self.id = OpHookHandle._next
        OpHookHandle._next += 1
        _op_hooks[self.id] = hook

    def remove(self) -> None:
        _op_hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_op_hook(hook) -> OpHookHandle:
    """Call ``hook(function, inputs, output, options)`` after every op (every ``Function.apply``),
    with or without gradient recording. Tools that look inside a model (the analyzer counting
    ``x + identity`` in a ResNet block, BN folding tracing which layer feeds which) use it;
    nothing in training does, and with no hook registered it costs one dict check per op."""
    return OpHookHandle(hook)


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root) -> list:
    """Non-leaf nodes reachable from ``root``, each after all its inputs (iterative DFS, so a
    10,000-op chain does not hit Python's recursion limit)."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if getattr(parent, "_fn", None) is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward(tensor, grad=None, retain_graph: bool = False) -> None:
    """Compute d tensor / d leaf for every leaf that requires a gradient, into ``leaf.grad``
    (``Tensor.backward``).

    ``grad`` is d loss / d tensor; it may be left out only when ``tensor`` is a scalar (then 1).
    """
    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; did you "
            "create the inputs with requires_grad=True, or compute it under no_grad()?"
        )
    xp = get_array_module(tensor.data)
    if grad is None:
        if tensor.data.size != 1:
            raise ShapeError(
                f"backward: grad can be implicitly created only for scalar outputs; this "
                f"tensor has shape {tensor.shape}. Pass grad= of that shape, or reduce first "
                f"(e.g. loss.sum())"
            )
        grad = xp.ones_like(tensor.data)
    else:
        grad = grad.data if isinstance(grad, Tensor) else xp.asarray(grad, dtype=tensor.dtype)
        if grad.shape != tensor.shape:
            raise ShapeError(f"backward: expected grad of shape {tensor.shape}, got {grad.shape}")
    _backpropagate(tensor, grad, retain_graph)


def _backpropagate(root, grad, retain_graph: bool) -> None:
    """Go one node at a time, in reverse topological order, so a node's gradient is complete
    (summed over every path that uses it) before the chain rule sends it further back."""
    if root._fn is None:  # a leaf: its gradient is the given one
        _accumulate_leaf(root, grad.copy())
        return
    grads = {id(root): grad}
    handed = set()  # arrays already given to a leaf in this pass, so no two leaves share one
    for node in reversed(_topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._retains_grad:
            _accumulate_leaf(node, _owned(g, handed))
        ctx = node._ctx
        if ctx is _FREED:
            raise RuntimeError(
                "backward: trying to backward through the graph a second time; the "
                "intermediate values were freed by the first backward. Call "
                ".backward(retain_graph=True) the first time if you need to backward twice."
            )
        _check_versions(node)
        input_grads = node._fn.backward(ctx, g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, pg in zip(node._parents, input_grads, strict=False):
            if pg is None or not isinstance(parent, Tensor) or not parent.requires_grad:
                continue
            pg = unbroadcast(pg, parent.data.shape)
            if pg.dtype != parent.data.dtype:
                pg = pg.astype(parent.data.dtype)
            if parent._fn is None:
                _accumulate_leaf(parent, _owned(pg, handed))
            else:
                key = id(parent)
                # Out of place: ``pg`` may alias the upstream gradient (e.g. from an add).
                grads[key] = grads[key] + pg if key in grads else pg
        if not retain_graph:
            node._ctx = _FREED


def _owned(g, handed: set):
    """``g`` itself when it is a fresh, writable array no other leaf holds; else a copy.

    Backward formulas may pass the upstream gradient through unchanged (add) or return a
    read-only broadcast view (sum). A leaf's ``.grad`` must be its own array so that in-place
    updates (gradient clipping, ``grad.data *= s``) never reach another tensor.
    """
    if g.base is not None or not getattr(g.flags, "writeable", True) or id(g) in handed:
        g = g.copy()
    handed.add(id(g))
    return g


def _accumulate_leaf(tensor, g) -> None:
    if tensor.grad is None:
        tensor.grad = Tensor(g)
    else:
        tensor.grad = Tensor(tensor.grad.data + g)
