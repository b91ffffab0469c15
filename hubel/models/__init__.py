"""The model zoo: ``hb.models.get_model(name)`` and the architectures themselves."""

from .mlp import MLP, mlp
from .registry import (
    ModelInfo,
    get_model,
    list_models,
    model_info,
    parameter_count,
    register_model,
    skip_init,
)
