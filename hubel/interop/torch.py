"""PyTorch interop: load a torchvision ``.pth`` state dict into the matching hubel model.

The zoo's ImageNet models have torchvision's module names, so their ``state_dict`` keys and
shapes are torchvision's and pretrained weights copy over by name::

    import hubel as hb
    from hubel.interop.torch import load_torch_state_dict

    model = hb.models.resnet18()
    load_torch_state_dict(model, "resnet18-f37072fd.pth")   # downloaded from torchvision
    model.eval()                                            # inputs: ImageNet-normalised RGB

The file is read with ``torch.load(..., weights_only=True)`` (no pickled code runs), so PyTorch
must be installed for this call only; this is the one place in hubel that imports it. A
pretrained GoogLeNet file also holds the auxiliary heads: build ``googlenet(aux_logits=True,
transform_input=True)`` or pass ``strict=False``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ..nn import Module


def torch_state_dict_to_numpy(state_dict: Mapping) -> OrderedDict:
    """A PyTorch state dict (name → tensor) as name → NumPy array, in the same order."""
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().detach().numpy()
        arrays[key] = np.asarray(value)
    return arrays


def read_torch_state_dict(path: str | os.PathLike) -> OrderedDict:
    """Read a ``.pth``/``.pt`` state dict with PyTorch (imported here, lazily) → NumPy arrays.

    A full checkpoint whose weights sit under ``"state_dict"`` or ``"model"`` is unwrapped.
    """
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "read_torch_state_dict: reading a .pth file needs PyTorch (pip install torch); "
            "or convert it elsewhere with torch_state_dict_to_numpy and save it with hb.save"
        ) from error
    state = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    if not isinstance(state, Mapping):
        raise ValueError(
            f"read_torch_state_dict: expected a state dict in {os.fspath(path)!r}, "
            f"got {type(state).__name__}"
        )
    for wrapper in ("state_dict", "model"):
        if wrapper in state and isinstance(state[wrapper], Mapping):
            state = state[wrapper]
    return torch_state_dict_to_numpy(state)


def load_torch_state_dict(
    model: Module, source: str | os.PathLike | Mapping, strict: bool = True
) -> tuple[list[str], list[str]]:
    """Copy PyTorch weights into ``model`` by name: ``source`` is a ``.pth`` path or a state dict
    of torch tensors or arrays. Values are cast to the model's dtype; shapes must match.

    Returns ``(missing_keys, unexpected_keys)``; with ``strict`` any of them is an error.
    """
    if not isinstance(model, Module):
        raise TypeError(
            f"load_torch_state_dict: model must be a hubel Module, got {type(model).__name__}"
        )
    if isinstance(source, Mapping):
        arrays = torch_state_dict_to_numpy(source)
    else:
        arrays = read_torch_state_dict(source)
    return model.load_state_dict(arrays, strict=strict)


__all__ = ["load_torch_state_dict", "read_torch_state_dict", "torch_state_dict_to_numpy"]
