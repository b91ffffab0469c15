"""Name → builder registry: ``hb.models.get_model("mlp", ...)``, ``hb.models.list_models()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
    if name not in _REGISTRY:
        raise ValueError(f"model: unknown name {name!r}; available: {', '.join(list_models())}")
    return _REGISTRY[name]


def get_model(name: str, **kwargs):
    """Build the model registered as ``name``; keyword arguments go to its builder."""
    info = model_info(name)
    return info.builder(**{**info.defaults, **kwargs})
