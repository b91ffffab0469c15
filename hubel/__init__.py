"""hubel: deep learning from first principles, in NumPy, proven against PyTorch.

>>> import hubel as hb
>>> x = hb.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from . import functional
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .backend import (
    bool_,
    cuda_is_available,
    float16,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    manual_seed,
    set_default_dtype,
    uint8,
)
from .functional import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    clamp,
    clip,
    exp,
    flatten,
    log,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    relu,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .parallel import get_num_threads, set_num_threads
from .tensor import (
    Tensor,
    arange,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"
from . import data, lab, models, nn, optim, training  # noqa: E402
from .analysis import summary  # noqa: E402
from .serialization import load, save  # noqa: E402
