"""``Tensor``: an array plus what autograd needs (``grad``, ``requires_grad``, the op that made it).

This file holds the data structure and the factories only. Every method that computes (``+``,
``exp``, ``sum``, ``reshape``, ``backward``, ...) is a function of ``hubel.functional`` or
``hubel.autograd``, attached to ``Tensor`` by the one table in ``hubel/tensor_methods.py``: the
layers above are imported by that table, never from here, so there is no import cycle.
"""

from __future__ import annotations

import numbers

import numpy as np

from .backend import device_of, get_default_dtype, get_rng, to_device
from .errors import DimError, DtypeError, ShapeError


class VersionCounter:
    """How many times a tensor's memory was changed in place (PyTorch's ``_version``), and by
    which op last. Views share their base's counter, since they share its memory."""

    __slots__ = ("version", "last_op")

    def __init__(self):
        self.version = 0
        self.last_op = None

    def bump(self, op: str) -> None:
        self.version += 1
        self.last_op = op


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    ``data`` is the NumPy (or CuPy) array; ``grad`` is a ``Tensor`` filled by ``backward()`` when
    ``requires_grad`` is set. Tensors made by ops remember their function, saved context and
    inputs (``_fn``, ``_ctx``, ``_parents``); leaves (made by the user) have ``_fn = None``.
    ``Tensor([1.0, 2.0])`` makes a float tensor from a (nested) list, as ``torch.Tensor``.
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_fn",
        "_ctx",
        "_parents",
        "_retains_grad",
        "_version_counter",
    )
    __array_priority__ = 1000  # ``ndarray + Tensor`` defers to ``Tensor.__radd__``

    def __init__(self, data, requires_grad: bool = False):
        if not hasattr(data, "dtype"):
            data = _float_array_from_sequence(data)
        self.data = data
        self.grad: Tensor | None = None
        self.requires_grad = requires_grad
        self._fn = None
        self._ctx = None
        self._parents = ()
        self._retains_grad = False
        self._version_counter = VersionCounter()
        if requires_grad and data.dtype.kind != "f":
            raise DtypeError(
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
    def grad_fn(self):
        """The Function that made this tensor (None for a leaf)."""
        return self._fn

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's memory has had (PyTorch's ``_version``)."""
        return self._version_counter.version

    def size(self, dim: int | None = None):
        """The shape, or the length of one dimension (PyTorch's ``size``)."""
        if dim is None:
            return self.data.shape
        ndim = max(self.ndim, 1)
        if not isinstance(dim, numbers.Integral) or not -ndim <= dim < ndim:
            raise DimError(f"size: expected dim in [{-ndim}, {ndim - 1}], got {dim}")
        return self.data.shape[dim] if self.ndim else 1

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def is_floating_point(self) -> bool:
        return self.data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.dtype.itemsize

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    # ----------------------------------------------------------------- autograd state
    def retain_grad(self) -> Tensor:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        self._retains_grad = True
        return self

    def detach(self) -> Tensor:
        """The same data (shared memory and version counter), cut from the graph."""
        out = Tensor(self.data)
        out._version_counter = self._version_counter
        return out

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise DtypeError(f"requires_grad_: expected a floating dtype, got {self.dtype}")
        self.requires_grad = requires_grad
        return self

    # ----------------------------------------------------------------- conversion
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied, on the CPU).

        Refused, as in PyTorch, for a tensor that requires grad: writing into the shared array
        would silently change values that backward needs. ``t.detach().numpy()`` gives the
        (shared, writable) array in both libraries.
        """
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._cpu_array()

    def _cpu_array(self) -> np.ndarray:
        """The data on the CPU; read-only for a tensor that requires grad (for printing and
        ``np.asarray``, which must not open a way around :meth:`numpy`'s refusal)."""
        array = self.data if device_of(self.data) == "cpu" else self.data.get()
        if self.requires_grad and array.flags.writeable:
            array = array.view()
            array.flags.writeable = False
        return array

    def item(self):
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can be converted to a Python number, got "
                f"shape {self.shape}"
            )
        return self.data.reshape(()).item()

    def tolist(self):
        return self._cpu_array().tolist()

    def __array__(self, dtype=None, copy=None):
        array = self._cpu_array()
        return array if dtype is None else array.astype(dtype, copy=False)

    def __repr__(self) -> str:
        array = np.asarray(self._cpu_array())
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
        if self.data.size != 1:
            raise RuntimeError(
                f"bool: a tensor with {self.data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, got "
                f"dtype {self.dtype} and shape {self.shape}"
            )
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _float_array_from_sequence(data) -> np.ndarray:
    """``Tensor([1, 2])``: a (nested) sequence becomes an array of the default float dtype."""
    if not isinstance(data, list | tuple):
        raise TypeError(
            f"Tensor: expected an array or a (nested) list of numbers, got "
            f"{type(data).__name__}; use hb.tensor({data!r}) for a 0-d tensor or hb.zeros(...) "
            f"for a shape"
        )
    array = np.array(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: expected numbers, got a sequence of dtype {array.dtype}")
    return array.astype(get_default_dtype())


# --------------------------------------------------------------------- factories
def _as_dtype(dtype):
    return None if dtype is None else np.dtype(dtype)


def shape_argument(shape, name: str = "size", allow_unknown: bool = False) -> tuple:
    """The shape in ``zeros(2, 3)``, ``zeros((2, 3))`` or ``reshape(x, 2, -1)`` as a tuple of ints.

    ``allow_unknown`` admits -1 entries (reshape, expand); otherwise sizes must be >= 0.
    """
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):
            raise TypeError(f"{name}: expected integers, got {tuple(shape)}")
        if n < (-1 if allow_unknown else 0):
            raise ShapeError(
                f"{name}: expected non-negative integers{' or -1' if allow_unknown else ''}, "
                f"got {tuple(shape)}"
            )
    return tuple(int(n) for n in shape)


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


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape (default dtype float32)."""
    array = np.zeros(shape_argument(size), dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape (default dtype float32)."""
    array = np.ones(shape_argument(size), dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape, filled with zeros (PyTorch leaves it uninitialised; zeros
    are never a surprise)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def _fill_dtype(fill_value) -> np.dtype:
    """``full``'s dtype from its value, as PyTorch: bool, int64 or the default float."""
    if isinstance(fill_value, bool | np.bool_):
        return np.dtype(np.bool_)
    if isinstance(fill_value, numbers.Integral):
        return np.dtype(np.int64)
    return get_default_dtype()


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value (bool,
    int64 or float32) unless given, as ``torch.full``."""
    dtype = _as_dtype(dtype) or _fill_dtype(fill_value)
    array = np.full(shape_argument((size,)), fill_value, dtype=dtype)
    return Tensor(array, requires_grad=requires_grad)


def _like(t, dtype) -> np.dtype:
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor to copy the shape of, got {type(t).__name__}")
    return _as_dtype(dtype) or t.dtype


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape (and dtype unless given)."""
    return Tensor(np.zeros(t.shape, dtype=_like(t, dtype)), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape (and dtype unless given)."""
    return Tensor(np.ones(t.shape, dtype=_like(t, dtype)), requires_grad=requires_grad)


empty_like = zeros_like


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``t``'s shape and dtype (unless given), as ``torch.full_like``."""
    array = np.full(t.shape, fill_value, dtype=_like(t, dtype))
    return Tensor(array, requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator (``hb.manual_seed``)."""
    dtype = _as_dtype(dtype) or get_default_dtype()
    array = get_rng().standard_normal(shape_argument(size)).astype(dtype)
    return Tensor(array, requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator."""
    dtype = _as_dtype(dtype) or get_default_dtype()
    array = get_rng().random(shape_argument(size)).astype(dtype)
    return Tensor(array, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples in ``t``'s shape and dtype."""
    return randn(*t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples in ``t``'s shape and dtype."""
    return rand(*t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def randint(low: int, high=None, size=None, dtype=np.int64) -> Tensor:
    """Integers in [low, high) from the global generator; ``randint(high, size)`` starts at 0,
    as ``torch.randint``."""
    if size is None:
        if high is None:
            raise TypeError("randint: expected (low, high, size) or (high, size), got neither size")
        low, high, size = 0, low, high
    if high <= low:
        raise ValueError(f"randint: expected low < high, got low={low}, high={high}")
    return Tensor(get_rng().integers(low, high, size=shape_argument((size,))).astype(dtype))


def _range_dtype(values, dtype) -> np.dtype:
    """int64 when every bound is an integer, else the default float; ``dtype`` wins."""
    if dtype is not None:
        return np.dtype(dtype)
    if all(isinstance(v, numbers.Integral) for v in values):
        return np.dtype(np.int64)
    return get_default_dtype()


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` = [0, 1, 2, 3, 4]; [start, end) in steps of ``step``; int64 for integer
    arguments, else float32, as ``torch.arange``."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero, got 0")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: upper bound and step sign are inconsistent: start={start}, end={end}, "
            f"step={step}"
        )
    dtype = _range_dtype((start, end, step), dtype)
    count = int(np.ceil((end - start) / step))
    # NOTE: start + i * step (as torch), not NumPy's accumulated sum, keeps every value exact.
    array = (start + np.arange(count, dtype=np.float64) * step).astype(dtype)
    return Tensor(array, requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32 unless
    ``dtype``), as ``torch.linspace``."""
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    dtype = _as_dtype(dtype) or get_default_dtype()
    return Tensor(np.linspace(start, end, int(steps)).astype(dtype), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default), as ``torch.eye``."""
    rows, cols = shape_argument((n, n if m is None else m), "eye")
    array = np.eye(rows, cols, dtype=_as_dtype(dtype) or get_default_dtype())
    return Tensor(array, requires_grad=requires_grad)
