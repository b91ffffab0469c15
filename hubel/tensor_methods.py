"""The one table of ``Tensor`` methods: each line names a method and the function it calls.

``Tensor`` (in ``tensor.py``) is only data; everything that computes lives in
``hubel.functional`` (and the engine in ``hubel.autograd``) and is attached here, so adding an
op is its Function and function in its family's file plus one line below. ``x.exp()`` is
``F.exp(x)``, ``a + b`` is ``F.add(a, b)``, ``2 - a`` is ``F.sub(2, a)``.

In-place methods (``add_``, ``zero_``, ``x[i] = v``, ``+=``, ...) write into the tensor's own
array and count the change on its version counter, so a backward that needs the old values
refuses to run instead of using the new ones (PyTorch's rule).
"""

from __future__ import annotations

import numpy as np

from . import autograd
from . import functional as F
from .autograd import is_grad_enabled
from .backend import result_type
from .errors import ShapeError
from .functional.reduce import norm as p_norm
from .tensor import Tensor, full, ones, tensor, to_device, zeros

# ---------------------------------------------------------------------------- in place


def _in_place(name: str, compute):
    """A method that replaces ``self``'s values by ``compute(self, *args)``, in its memory.

    With gradients involved, ``self`` takes the new op's place in the graph: the op is applied
    to a copy of the old ``self`` (which keeps the old history), exactly as PyTorch rebases an
    in-place op. Earlier ops that saved the old values see the version change and refuse.
    """

    def method(self, *args, **kwargs):
        recording = is_grad_enabled() and (
            self.requires_grad
            or any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))
        )
        if recording and self.requires_grad and self.is_leaf:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad is being used in an in-place "
                f"operation; wrap the update in `with hb.no_grad():`"
            )
        before = self
        if recording:
            before = Tensor(self.data.copy(), requires_grad=self.requires_grad)
            before._fn, before._ctx, before._parents = self._fn, self._ctx, self._parents
        result = compute(before, *args, **kwargs)
        if result.shape != self.shape:
            raise ShapeError(
                f"{name}: the result has shape {result.shape}, which cannot be written into "
                f"this tensor of shape {self.shape}"
            )
        if result.dtype != self.dtype and result_type(self.data, result.data) != self.dtype:
            raise RuntimeError(
                f"{name}: result type {result.dtype} can't be cast to the desired output "
                f"type {self.dtype}"
            )
        self.data[...] = result.data
        self._version_counter.bump(name)
        if recording:
            self._fn, self._ctx, self._parents = result._fn, result._ctx, result._parents
            self.requires_grad = result.requires_grad
        return self

    method.__name__ = name
    method.__doc__ = f"In-place {name.rstrip('_')}: ``self`` becomes the result (same memory)."
    return method


def _fill(x, value):
    return x * 0 + value


def _copy(x, source):
    return F.cast(x * 0 + source, x.dtype)


def _set_item(x, index, value):
    return F.index_put(x, index, value)


# ---------------------------------------------------------------------------- conversions
def _to(self, target):
    """``to(dtype)`` casts (keeping the graph); ``to("cpu"/"cuda")`` moves the data."""
    if isinstance(target, str) and target in ("cpu", "cuda", "gpu"):
        return Tensor(to_device(self.data, target), requires_grad=self.requires_grad)
    return F.cast(self, np.dtype(target))


_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


def _type(self, dtype=None):
    """``t.type()`` names the type (``'hubel.FloatTensor'``); ``t.type(dtype)`` casts."""
    if dtype is None:
        return f"hubel.{_TYPE_NAMES.get(str(self.dtype), str(self.dtype))}"
    return F.cast(self, np.dtype(dtype))


def _caster(dtype):
    def method(self):
        return F.cast(self, dtype)

    method.__doc__ = f"``self`` converted to {np.dtype(dtype)}."
    return method


def _reflected(fn):
    """``2 - x`` calls ``x.__rsub__(2)``, which is ``fn(2, x)``."""

    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    return method


def _compare(fn):
    """Comparisons return NotImplemented for operands they cannot handle (Python's protocol)."""

    def method(self, other):
        if other is None or not isinstance(other, Tensor | np.ndarray | int | float | bool):
            return NotImplemented if fn is not F.eq else False
        return fn(self, other)

    return method


METHODS = {
    # autograd
    "backward": autograd.backward,
    # operators
    "__add__": F.add,
    "__radd__": _reflected(F.add),
    "__sub__": F.sub,
    "__rsub__": _reflected(F.sub),
    "__mul__": F.mul,
    "__rmul__": _reflected(F.mul),
    "__truediv__": F.div,
    "__rtruediv__": _reflected(F.div),
    "__floordiv__": F.floor_divide,
    "__rfloordiv__": _reflected(F.floor_divide),
    "__mod__": F.remainder,
    "__rmod__": _reflected(F.remainder),
    "__pow__": F.pow,
    "__rpow__": _reflected(F.pow),
    "__matmul__": F.matmul,
    "__rmatmul__": _reflected(F.matmul),
    "__neg__": F.neg,
    "__pos__": lambda self: self,
    "__abs__": F.abs,
    "__invert__": F.logical_not,
    "__and__": F.logical_and,
    "__or__": F.logical_or,
    "__xor__": F.logical_xor,
    "__getitem__": F.getitem,
    "__eq__": _compare(F.eq),
    "__ne__": _compare(F.ne),
    "__lt__": _compare(F.lt),
    "__le__": _compare(F.le),
    "__gt__": _compare(F.gt),
    "__ge__": _compare(F.ge),
    # in place
    "__setitem__": _in_place("__setitem__", _set_item),
    "__iadd__": _in_place("add_", F.add),
    "__isub__": _in_place("sub_", F.sub),
    "__imul__": _in_place("mul_", F.mul),
    "__itruediv__": _in_place("div_", F.div),
    "add_": _in_place("add_", F.add),
    "sub_": _in_place("sub_", F.sub),
    "mul_": _in_place("mul_", F.mul),
    "div_": _in_place("div_", F.div),
    "pow_": _in_place("pow_", F.pow),
    "clamp_": _in_place("clamp_", F.clamp),
    "zero_": _in_place("zero_", lambda x: x * 0),
    "fill_": _in_place("fill_", _fill),
    "copy_": _in_place("copy_", _copy),
    "masked_fill_": _in_place("masked_fill_", F.masked_fill),
    # conversion
    "to": _to,
    "cpu": lambda self: _to(self, "cpu"),
    "cuda": lambda self: _to(self, "cuda"),
    "type": _type,
    "float": _caster(np.float32),
    "double": _caster(np.float64),
    "half": _caster(np.float16),
    "long": _caster(np.int64),
    "int": _caster(np.int32),
    "bool": _caster(np.bool_),
    "clone": lambda self: F.cast(self, self.dtype, copy=True),
    # arithmetic
    "add": F.add,
    "sub": F.sub,
    "mul": F.mul,
    "div": F.div,
    "floor_divide": F.floor_divide,
    "remainder": F.remainder,
    "fmod": F.fmod,
    "pow": F.pow,
    "neg": F.neg,
    "matmul": F.matmul,
    "mm": F.mm,
    "dot": F.dot,
    "outer": F.outer,
    "bmm": F.bmm,
    "maximum": F.maximum,
    "minimum": F.minimum,
    "clamp": F.clamp,
    "clip": F.clamp,
    "clamp_min": F.clamp_min,
    "clamp_max": F.clamp_max,
    "where": lambda self, condition, other: F.where(condition, self, other),
    "masked_fill": F.masked_fill,
    # elementwise math
    "exp": F.exp,
    "log": F.log,
    "sqrt": F.sqrt,
    "abs": F.abs,
    **{name: getattr(F, name) for name in F.ELEMENTWISE},
    # activations
    "relu": F.relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "softmax": F.softmax,
    "log_softmax": F.log_softmax,
    # reductions
    "sum": F.sum,
    "mean": F.mean,
    "var": F.var,
    "std": F.std,
    "max": F.max,
    "min": F.min,
    "amax": F.amax,
    "amin": F.amin,
    "argmax": F.argmax,
    "argmin": F.argmin,
    "logsumexp": F.logsumexp,
    "norm": p_norm,
    "prod": F.prod,
    "cumsum": F.cumsum,
    "any": F.any,
    "sort": F.sort,
    "argsort": F.argsort,
    "topk": F.topk,
    "all": F.all,
    # comparisons
    "eq": F.eq,
    "ne": F.ne,
    "lt": F.lt,
    "le": F.le,
    "gt": F.gt,
    "ge": F.ge,
    "isclose": F.isclose,
    "isnan": F.isnan,
    "isinf": F.isinf,
    "isfinite": F.isfinite,
    "allclose": F.allclose,
    "logical_not": F.logical_not,
    "logical_and": F.logical_and,
    "logical_or": F.logical_or,
    "logical_xor": F.logical_xor,
    # shape
    "reshape": F.reshape,
    "view": F.reshape,
    "view_as": lambda self, other: F.reshape(self, other.shape),
    "reshape_as": lambda self, other: F.reshape(self, other.shape),
    "expand": F.expand,
    "expand_as": lambda self, other: F.expand(self, other.shape),
    "transpose": F.transpose,
    "permute": F.permute,
    "t": F.t,
    "T": property(lambda self: F.permute(self, *reversed(range(self.ndim)))),
    "flatten": F.flatten,
    "squeeze": F.squeeze,
    "unsqueeze": F.unsqueeze,
    "gather": F.gather,
    "take_along_dim": F.take_along_dim,
    "trace": F.trace,
    "scatter": F.scatter,
    "scatter_add": F.scatter_add,
    "index_select": F.index_select,
    "masked_select": F.masked_select,
    "flip": F.flip,
    "roll": F.roll,
    "repeat": F.repeat,
    "tile": F.tile,
    "tril": F.tril,
    "triu": F.triu,
    "diag": F.diag,
    "narrow": F.narrow,
    "split": F.split,
    "chunk": F.chunk,
    "unbind": F.unbind,
    "movedim": F.movedim,
    "swapaxes": F.transpose,
    "swapdims": F.transpose,
    "nonzero": F.nonzero,
    "contiguous": lambda self: self,
    # factories in this tensor's dtype
    "new_zeros": lambda self, *size: zeros(*size, dtype=self.dtype),
    "new_ones": lambda self, *size: ones(*size, dtype=self.dtype),
    "new_full": lambda self, size, fill_value: full(size, fill_value, dtype=self.dtype),
    "new_empty": lambda self, *size: zeros(*size, dtype=self.dtype),
    "new_tensor": lambda self, data: tensor(data, dtype=self.dtype),
}

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
