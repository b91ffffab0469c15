"""The basic layers: thin shells over ``hubel.functional`` that hold parameters and mode."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .. import functional as F
from ..backend import get_default_dtype
from ..errors import ShapeError
from ..geometry import positive_int
from ..tensor import Tensor
from . import init
from .module import Module, Parameter


class Identity(Module):
    """y = x. A placeholder (BN folding leaves one where a BatchNorm was)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """Fully connected layer y = x W^T + b; input (N, *, in_features) → (N, *, out_features).

    Parameters: weight (out_features, in_features) and bias (out_features,), in_features·
    out_features + out_features in all. Default init as PyTorch: W ~ U(-1/sqrt(in), 1/sqrt(in))
    (kaiming_uniform_ with a = sqrt(5)) and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor, got {type(x).__name__}")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"{self._name()}: expected input of shape (N, {self.in_features}), got "
                f"{x.shape}" + (" (flatten images first, e.g. nn.Flatten())" if x.ndim > 2 else "")
            )
        return F.linear(x, self.weight, self.bias)

    def _name(self) -> str:
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class _Activation(Module):
    fn = None

    def forward(self, x):
        return type(self).fn(x)


class ReLU(_Activation):
    """max(0, x)."""

    fn = staticmethod(F.relu)

    def __init__(self, inplace: bool = False):
        super().__init__()


class Sigmoid(_Activation):
    """1 / (1 + e**-x)."""

    fn = staticmethod(F.sigmoid)


class Tanh(_Activation):
    """tanh(x)."""

    fn = staticmethod(F.tanh)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """x Φ(x)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Probabilities along ``dim``."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-probabilities along ``dim``."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    """(N, C, H, W) → (N, C·H·W): merge ``start_dim``..``end_dim``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zero each activation with probability ``p`` (the DROP probability, as in
    PyTorch) and scale the rest by 1/(1-p); in eval mode, pass everything through."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p is the drop probability and must be in [0, 1], got {p!r}")
        self.p = float(p)

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=False"


class Dropout2d(Dropout):
    """Dropout of whole channels of (N, C, H, W) feature maps."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: weight (γ) and bias (β) are learned; running_mean and
    running_var are buffers updated in training with ``momentum`` (0.1, PyTorch's convention:
    running = (1 - momentum) running + momentum batch; ``None`` = cumulative average)."""

    _expected = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        owner = type(self).__name__
        self.num_features = positive_int(owner, "num_features", num_features)
        if eps <= 0:
            raise ValueError(f"{owner}: eps must be > 0, got {eps}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{owner}: momentum must be in [0, 1] or None, got {momentum}")
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.use_bias = affine and bias
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def _check_input(self, x) -> None:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.data)
        # Without tracked statistics the buffers are None and the batch's own are used always.
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.use_bias}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm for (N, C) or (N, C, L) input: per feature, normalise over the batch."""

    def _check_input(self, x) -> None:
        if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"BatchNorm1d({self.num_features}): expected input of shape "
                f"(N, {self.num_features}) or (N, {self.num_features}, L), got {shape}"
            )


class BatchNorm2d(_BatchNorm):
    """Batch norm for (N, C, H, W) input: per channel, normalise over batch and positions."""

    def _check_input(self, x) -> None:
        if not isinstance(x, Tensor) or x.ndim != 4 or x.shape[1] != self.num_features:
            shape = x.shape if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(
                f"BatchNorm2d({self.num_features}): expected input of shape "
                f"(N, {self.num_features}, H, W), got {shape}"
            )


class Sequential(Module):
    """Modules applied one after another; named "0", "1", ... or by an OrderedDict's keys."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                if not isinstance(module, Module):
                    raise TypeError(
                        f"Sequential: argument {i} is a {type(module).__name__}, not a Module"
                    )
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return modules[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules, registered so their parameters are found (``"0.weight"``, ...)."""

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or []:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
