"""Layers and containers, as ``torch.nn``."""

from . import functional, init, utils
from .activation import (
    CELU,
    ELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from .conv import Conv2d, LocalResponseNorm, ZeroPad2d
from .conv_variants import Conv1d, ConvTranspose2d
from .embedding import Embedding
from .layers import (
    GELU,
    BatchNorm1d,
    BatchNorm2d,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module, Parameter, RemovableHandle
from .normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .upsample import Upsample
