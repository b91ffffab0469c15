"""The example batch that BN folding traces the model with.

Given ``example_input`` it is used as is; given ``input_size`` (one example's shape, no batch
axis: ``(3, 32, 32)`` or ``(64,)``) a batch of one random example is made. Given neither, the
size is inferred: from the model registry when the model is one of the zoo's (it prints exactly
as a registered builder's model does), else from a first Linear layer's ``in_features``.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from ..backend import get_default_dtype, to_device
from ..nn import Conv2d, Linear, Module
from ..tensor import Tensor


def _builder_arguments(model: Module, builder) -> dict:
    """The zoo builders' usual arguments as ``model`` shows them: ``num_classes`` (the last
    Linear's outputs) and ``in_channels`` (the first Conv2d's inputs), where accepted."""
    accepted = inspect.signature(builder).parameters
    linears = [m for m in model.modules() if isinstance(m, Linear)]
    convs = [m for m in model.modules() if isinstance(m, Conv2d)]
    offered = {}
    if linears:
        offered["num_classes"] = linears[-1].out_features
    if convs:
        offered["in_channels"] = convs[0].in_channels
    return {key: value for key, value in offered.items() if key in accepted}


def registry_input_size(model: Module) -> tuple | None:
    """The registry's ``input_size`` for the zoo architecture ``model`` was built as, or None.

    Candidates are the builders whose return annotation names the model's class. Each is built
    (uninitialised, see ``skip_init``) with the ``num_classes`` and ``in_channels`` that
    ``model`` shows; those that print exactly as ``model`` does (every layer, channel count,
    kernel and stride) are the architecture: ``resnet18`` with ``num_classes=10`` is still
    ResNet-18, while ``resnet18_cifar``'s 3x3 stem and ``mobilenet_v1_cifar``'s stride-1 first
    convolution tell those apart. None when none matches or the matches disagree on the size.
    """
    from ..models import get_model, list_models, model_info, skip_init

    cls = type(model).__name__
    layers = repr(model)
    sizes = set()
    for name in list_models():
        info = model_info(name)
        returns = inspect.signature(info.builder).return_annotation
        if getattr(returns, "__name__", returns) != cls:
            continue
        try:
            with skip_init():
                candidate = get_model(name, **_builder_arguments(model, info.builder))
        except (ValueError, TypeError):
            continue
        if repr(candidate) == layers:
            sizes.add(info.input_size)
    return sizes.pop() if len(sizes) == 1 else None


def _first_linear_size(model: Module) -> tuple | None:
    """``(in_features,)`` when the first layer with parameters is a Linear (an MLP)."""
    for module in model.modules():
        if module._parameters and any(p is not None for p in module._parameters.values()):
            return (module.in_features,) if isinstance(module, Linear) else None
    return None


def _check_size(input_size) -> tuple[int, ...]:
    if (
        not isinstance(input_size, tuple | list)
        or not input_size
        or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0
            for n in input_size
        )
    ):
        raise ValueError(
            "fold_batchnorm: input_size must be one example's shape without the batch axis, "
            f"e.g. (3, 32, 32) or (784,), got {input_size!r}"
        )
    return tuple(int(n) for n in input_size)


def make_example_input(model: Module, example_input=None, input_size=None) -> Tensor:
    """The batch to trace ``model`` with (see the module docstring for the rules)."""
    if example_input is not None and input_size is not None:
        raise ValueError("fold_batchnorm: give example_input or input_size, not both")
    if example_input is not None:
        if isinstance(example_input, np.ndarray):
            return Tensor(example_input)
        if not isinstance(example_input, Tensor):
            raise TypeError(
                "fold_batchnorm: example_input must be a Tensor or a NumPy array (a batch the "
                f"model accepts), got {type(example_input).__name__}"
            )
        return example_input
    if input_size is None:
        input_size = registry_input_size(model) or _first_linear_size(model)
        if input_size is None:
            raise ValueError(
                f"fold_batchnorm: cannot tell what input {type(model).__name__} expects; pass "
                "input_size=(C, H, W) (one example, no batch axis) or example_input=a batch"
            )
    size = _check_size(input_size)
    first = next(model.parameters(), None)
    dtype = first.dtype if first is not None else get_default_dtype()
    device = first.device if first is not None else "cpu"
    batch = np.random.default_rng(0).standard_normal((1, *size)).astype(dtype)
    return Tensor(to_device(batch, device))
