"""Name → builder registry: ``hb.models.get_model("mlp", ...)``, ``hb.models.list_models()``."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..nn import init


@dataclass(frozen=True)
class ModelInfo:
    """What ``hubel models`` shows about one architecture."""

    name: str
    builder: Callable
    family: str
    input_size: tuple  # (C, H, W) or (features,)
    year: int | None = None
    idea: str = ""
    defaults: dict = field(default_factory=dict)


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(
    name: str,
    *,
    family: str,
    input_size: tuple,
    year: int | None = None,
    idea: str = "",
    **defaults,
):
    """Decorator that adds a builder to the registry under ``name``."""

    def wrap(builder: Callable) -> Callable:
        if name in _REGISTRY:
            raise ValueError(f"register_model: {name!r} is already registered")
        _REGISTRY[name] = ModelInfo(name, builder, family, tuple(input_size), year, idea, defaults)
        return builder

    return wrap


def list_models() -> list[str]:
    """The registered model names, sorted."""
    return sorted(_REGISTRY)


def model_info(name: str) -> ModelInfo:
    """What the registry knows about ``name`` (builder, family, input size, year, idea)."""
    if name not in _REGISTRY:
        raise ValueError(f"model: unknown name {name!r}; available: {', '.join(list_models())}")
    return _REGISTRY[name]


def get_model(name: str, **kwargs):
    """Build the model registered as ``name``; keyword arguments go to its builder."""
    info = model_info(name)
    return info.builder(**{**info.defaults, **kwargs})


_INIT_FILLS = (
    "zeros_",
    "ones_",
    "constant_",
    "uniform_",
    "normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
)


@contextlib.contextmanager
def skip_init() -> Iterator[None]:
    """Build modules without filling their weights (``torch.nn.utils.skip_init``'s idea).

    Inside, every ``hubel.nn.init`` fill is a no-op, so a layer's weights stay as ``np.empty``
    left them: garbage, and for big layers untouched memory pages that cost nothing. Counting
    parameters or reading shapes is what such a model is for; never train or run one. Drawing
    VGG-16's 138M initial weights takes seconds, building it here takes milliseconds. The
    switch is global while the block runs: do not build models in other threads meanwhile.
    """
    saved = {name: getattr(init, name) for name in _INIT_FILLS}
    try:
        for name in _INIT_FILLS:
            setattr(init, name, lambda tensor, *args, **kwargs: tensor)
        yield
    finally:
        for name, fill in saved.items():
            setattr(init, name, fill)


@functools.cache
def parameter_count(name: str) -> int:
    """Learnable parameters of the model ``name`` with its default arguments (counted on an
    uninitialised build, see :func:`skip_init`; cached)."""
    with skip_init():
        model = get_model(name)
    return sum(p.numel() for p in model.parameters())
