"""``Tensor``: an array plus what autograd needs (``grad``, ``requires_grad``, the op that made it).

Operators and methods only delegate to ``hubel.functional``; the math lives there.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import autograd
from .backend import device_of, get_array_module, get_default_dtype, get_rng, to_device


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    ``data`` is the NumPy (or CuPy) array; ``grad`` is a ``Tensor`` filled by ``backward()`` when
    ``requires_grad`` is set. Tensors made by ops remember their function, saved context and
    inputs (``_fn``, ``_ctx``, ``_parents``); leaves (made by the user) have ``_fn = None``.
    """

    __slots__ = ("data", "grad", "requires_grad", "_fn", "_ctx", "_parents", "_retains_grad")
    __array_priority__ = 1000  # ``ndarray + Tensor`` defers to ``Tensor.__radd__``

    def __init__(self, data, requires_grad: bool = False):
        self.data = data
        self.grad: Tensor | None = None
        self.requires_grad = requires_grad
        self._fn = None
        self._ctx = None
        self._parents = ()
        self._retains_grad = False
        if requires_grad and data.dtype.kind != "f":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype "
                f"{data.dtype}"
            )

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def device(self) -> str:
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._fn is None

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None):
        """The shape, or the length of one dimension (PyTorch's ``size``)."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    # ----------------------------------------------------------------- autograd
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Compute d self / d leaf for every leaf that requires a gradient, into ``leaf.grad``.

        ``grad`` is d loss / d self; it may be left out only when ``self`` is a scalar (then 1).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; did you "
                "create the inputs with requires_grad=True, or compute it under no_grad()?"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: grad can be implicitly created only for scalar outputs; this "
                    f"tensor has shape {self.shape}. Pass grad= of that shape, or reduce first "
                    f"(e.g. loss.sum())"
                )
            grad = get_array_module(self.data).ones_like(self.data)
        else:
            grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward: expected grad of shape {self.shape}, got {grad.shape}")
        autograd.backward(self, grad, retain_graph=retain_graph)

    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retains_grad = True
        return self

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: expected a floating dtype, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def zero_(self) -> Tensor:
        self.data[...] = 0
        return self

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied, on the CPU)."""
        return self.data if device_of(self.data) == "cpu" else self.data.get()

    def item(self):
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can be converted to a Python number, got "
                f"shape {self.shape}"
            )
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def to(self, target) -> Tensor:
        """``to(dtype)`` casts (keeping the graph); ``to("cpu"/"cuda")`` moves the data."""
        if isinstance(target, str) and target in ("cpu", "cuda", "gpu"):
            return Tensor(to_device(self.data, target), requires_grad=self.requires_grad)
        from . import functional as F

        return F.cast(self, np.dtype(target))

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def clone(self) -> Tensor:
        from . import functional as F

        return F.cast(self, self.dtype, copy=True)

    def __repr__(self) -> str:
        array = np.asarray(self.numpy())
        fixed = array.dtype.kind == "f" and not np.all(np.mod(array[np.isfinite(array)], 1) == 0)
        body = np.array2string(
            array,
            separator=", ",
            prefix="tensor(",
            precision=4,
            floatmode="fixed" if fixed else "maxprec",
        )
        extras = []
        if self.dtype not in (get_default_dtype(), np.dtype(np.int64)) or self.data.size == 0:
            extras.append(f"dtype=hubel.{self.dtype}")
        if self._fn is not None:
            extras.append(f"grad_fn=<{self._fn.__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def _repr_html_(self) -> str:  # Jupyter: shape, dtype, device, grad_fn, values
        from hubel.viz.html import tensor_html

        return tensor_html(self)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return _F().add(self, other)

    def __radd__(self, other):
        return _F().add(other, self)

    def __sub__(self, other):
        return _F().sub(self, other)

    def __rsub__(self, other):
        return _F().sub(other, self)

    def __mul__(self, other):
        return _F().mul(self, other)

    def __rmul__(self, other):
        return _F().mul(other, self)

    def __truediv__(self, other):
        return _F().div(self, other)

    def __rtruediv__(self, other):
        return _F().div(other, self)

    def __pow__(self, other):
        return _F().pow(self, other)

    def __rpow__(self, other):
        return _F().pow(other, self)

    def __matmul__(self, other):
        return _F().matmul(self, other)

    def __rmatmul__(self, other):
        return _F().matmul(other, self)

    def __neg__(self):
        return _F().neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _F().abs(self)

    def __getitem__(self, index):
        return _F().getitem(self, index)

    # Comparisons give boolean tensors and carry no gradient.
    def __eq__(self, other):  # type: ignore[override]
        return Tensor(self.data == _raw(other))

    def __ne__(self, other):  # type: ignore[override]
        return Tensor(self.data != _raw(other))

    def __lt__(self, other):
        return Tensor(self.data < _raw(other))

    def __le__(self, other):
        return Tensor(self.data <= _raw(other))

    def __gt__(self, other):
        return Tensor(self.data > _raw(other))

    def __ge__(self, other):
        return Tensor(self.data >= _raw(other))

    # ----------------------------------------------------------------- methods
    def exp(self):
        return _F().exp(self)

    def log(self):
        return _F().log(self)

    def sqrt(self):
        return _F().sqrt(self)

    def abs(self):
        return _F().abs(self)

    def tanh(self):
        return _F().tanh(self)

    def sigmoid(self):
        return _F().sigmoid(self)

    def relu(self):
        return _F().relu(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        return _F().clamp(self, min, max)

    clip = clamp

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _F().sum(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _F().mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(
        self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None
    ):
        return _F().var(
            self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        )

    def std(
        self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None
    ):
        return _F().std(
            self, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        )

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _F().max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return _F().min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False):
        return _F().amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return _F().amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _F().argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _F().argmin(self, dim, keepdim)

    def reshape(self, *shape):
        return _F().reshape(self, *shape)

    def view(self, *shape):
        return _F().reshape(self, *shape)

    def transpose(self, dim0: int, dim1: int):
        return _F().transpose(self, dim0, dim1)

    def permute(self, *dims):
        return _F().permute(self, *dims)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t: expected a tensor with at most 2 dimensions, got {self.ndim}")
        return self.T

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return _F().flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return _F().squeeze(self, dim)

    def unsqueeze(self, dim: int):
        return _F().unsqueeze(self, dim)

    def expand(self, *shape):
        return _F().expand(self, *shape)

    def softmax(self, dim: int = -1):
        return _F().softmax(self, dim)

    def log_softmax(self, dim: int = -1):
        return _F().log_softmax(self, dim)


def _F():
    # Deferred import: functional sits above tensor in the layering.
    from . import functional

    return functional


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


# --------------------------------------------------------------------- factories
def _as_dtype(dtype):
    return None if dtype is None else np.dtype(dtype)


def tensor(data, requires_grad: bool = False, dtype=None, device: str = "cpu") -> Tensor:
    """Make a leaf tensor, copying ``data``.

    A NumPy array keeps its dtype (as ``torch.tensor`` does); Python floats (and lists of them)
    become the default float dtype (float32), Python ints become int64, bools stay bool.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None:
        if isinstance(data, np.ndarray | np.generic) or hasattr(data, "__cuda_array_interface__"):
            array = np.array(data, copy=True) if isinstance(data, np.ndarray | np.generic) else data
        else:
            array = np.array(data)
            if array.dtype.kind == "f":
                array = array.astype(get_default_dtype())
            elif array.dtype.kind in "iu":
                array = array.astype(np.int64)
            elif array.dtype.kind not in "b":
                raise TypeError(
                    f"tensor: expected numbers, a nested list of numbers or an array, got "
                    f"{type(data).__name__} with dtype {array.dtype}"
                )
    else:
        array = np.array(data, dtype=np.dtype(dtype))
    if device != "cpu":
        array = to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap ``array`` without copying; the tensor and the array share memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"size: expected non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def zeros(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape (default dtype float32)."""
    array = np.zeros(_shape_arg(shape), dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def ones(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape (default dtype float32)."""
    array = np.ones(_shape_arg(shape), dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    array = np.full(_shape_arg((shape,)), fill_value, dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(_raw(t), dtype=_as_dtype(dtype)), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(_raw(t), dtype=_as_dtype(dtype)), requires_grad=requires_grad)


def randn(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator (``hb.manual_seed``)."""
    dtype = _as_dtype(dtype) or get_default_dtype()
    array = get_rng().standard_normal(_shape_arg(shape)).astype(dtype)
    return Tensor(array, requires_grad=requires_grad)


def rand(*shape, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator."""
    dtype = _as_dtype(dtype) or get_default_dtype()
    array = get_rng().random(_shape_arg(shape)).astype(dtype)
    return Tensor(array, requires_grad=requires_grad)


def randint(low: int, high: int, size, dtype=np.int64) -> Tensor:
    """Integers in [low, high) from the global generator."""
    return Tensor(get_rng().integers(low, high, size=_shape_arg((size,))).astype(dtype))


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` = [0, 1, 2, 3, 4]; int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    array = np.arange(start, end, step)
    if dtype is not None:
        array = array.astype(np.dtype(dtype))
    elif array.dtype.kind == "f":
        array = array.astype(get_default_dtype())
    else:
        array = array.astype(np.int64)
    return Tensor(array, requires_grad=requires_grad)
