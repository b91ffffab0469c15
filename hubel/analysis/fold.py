"""BN folding: absorb each inference-mode BatchNorm into the Conv2d or Linear just before it.

In eval mode a BatchNorm is a fixed affine map per channel c,

    BN(z)_c = γ_c (z_c − μ_c) / √(σ²_c + ε) + β_c = s_c z_c + (β_c − μ_c s_c),
    s_c = γ_c / √(σ²_c + ε)

(μ, σ² the running mean and variance; γ = 1 and β = 0 without ``affine``). When
z = W x + b comes straight from a Conv2d or Linear, output channel c of that layer is
z_c = W_c · x + b_c, so

    BN(z)_c = (s_c W_c) · x + (b_c − μ_c) s_c + β_c = W'_c · x + b'_c,

with W' = W·s (every weight of output channel c times s_c; for a grouped or depthwise conv too,
since each output channel still has its own filter) and b' = (b − μ)·s + β. One layer now
does the work of two: the BatchNorm becomes ``Identity`` and a conv without bias gets one.

Which BatchNorm follows which layer is read from a forward trace (``fold_trace``), not from
names, so a user's own model folds as well as the zoo's.
"""

from __future__ import annotations

import copy

from ..backend import get_array_module
from ..nn import BatchNorm1d, BatchNorm2d, Conv2d, Identity, Linear, Module, Parameter
from .fold_input import make_example_input
from .fold_report import FoldedPair, FoldResult, SkippedBatchNorm
from .fold_trace import Trace, trace_model

FOLDABLE_LAYERS = (Conv2d, Linear)
BATCHNORMS = (BatchNorm1d, BatchNorm2d)


def fold_batchnorm(model: Module, example_input=None, *, input_size=None) -> FoldResult:
    """Fold every BatchNorm1d/2d that directly follows a Conv2d or Linear into that layer.

    Args:
        model: a ``Module`` in eval mode (folding uses the running statistics, which only eval
            mode uses). It is not changed: the folding happens on a deep copy.
        example_input: a batch the model accepts, to trace which layer feeds which.
        input_size: instead, one example's shape without the batch axis, e.g. ``(3, 32, 32)``.
            With neither, it is taken from the model registry for a zoo model, or from a first
            Linear layer's ``in_features``; otherwise a ``ValueError`` asks for one.

    Returns:
        A :class:`FoldResult`: ``.model`` the folded copy (in eval mode), ``.folded`` one
        :class:`FoldedPair` per absorbed BatchNorm with channel 0's worked numbers,
        ``.skipped`` the BatchNorms left in place and why; ``print(result)`` shows the report.
        ``folded_model, result = fold_batchnorm(model)`` unpacks it.

    A BatchNorm is folded only when its input is the very tensor a Conv2d/Linear returned and
    nothing else reads that tensor; each layer and BatchNorm must run once per forward pass.
    Anything else (a BatchNorm after a ReLU, first in a Sequential, or after a conv whose output
    also feeds a shortcut) is left in place and reported, so the folded model computes the same
    function as the original, up to rounding. A model without BatchNorm (an already folded one)
    comes back as a copy without a trace.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fold_batchnorm: model must be a hubel Module, got {type(model).__name__}")
    training = [name or type(model).__name__ for name, m in model.named_modules() if m.training]
    if training:
        more = f" and {len(training) - 3} more" if len(training) > 3 else ""
        raise ValueError(
            f"fold_batchnorm: the model is in training mode ({', '.join(training[:3])}{more}); "
            "folding uses the BatchNorm running statistics, which only eval mode uses: call "
            "model.eval() first"
        )
    if not any(isinstance(m, BATCHNORMS) for m in model.modules()):
        return FoldResult(copy.deepcopy(model), [], [])  # nothing to fold, nothing to trace
    batch = make_example_input(model, example_input, input_size)
    folded = copy.deepcopy(model)
    try:
        trace = trace_model(folded, batch)
    except (ValueError, TypeError, RuntimeError) as error:
        raise ValueError(
            f"fold_batchnorm: the trace with an example input of shape {batch.shape} failed "
            f"({error}); pass example_input=a batch the model accepts or the right input_size"
        ) from error
    modules = dict(folded.named_modules())
    pairs, skipped = [], []
    for name, module in modules.items():
        if not isinstance(module, BATCHNORMS):
            continue
        layer_name, reason = _layer_before(name, module, trace, modules)
        if reason is not None:
            skipped.append(SkippedBatchNorm(name, reason))
            continue
        pairs.append(_absorb(layer_name, modules[layer_name], name, module))
        _replace(folded, module, Identity().train(module.training))
    return FoldResult(folded, pairs, skipped)


def _layer_before(name: str, bn: Module, trace: Trace, modules: dict):
    """``(layer name, None)`` if ``bn`` can be absorbed into the layer feeding it, else
    ``(None, the reason in words)``."""
    calls = trace.calls[name]
    if calls == 0:
        return None, "not used in the forward pass on the example input"
    if calls > 1:
        return None, f"called {calls} times per forward pass (one BatchNorm shared by several)"
    if not bn.track_running_stats:
        return None, (
            "track_running_stats=False: it normalises with each batch's own statistics even "
            "in eval mode, so there is no fixed scale and shift to fold"
        )
    z = trace.inputs[name]
    layer_name = trace.made_by_module.get(id(z))
    layer = modules.get(layer_name)
    if not isinstance(layer, FOLDABLE_LAYERS):
        return None, f"its input comes from {trace.origin(z)}, not from a Conv2d or Linear"
    if trace.calls[layer_name] > 1:
        return None, (
            f"'{layer_name}' is called {trace.calls[layer_name]} times per forward pass "
            "(shared weights): folding would change its other uses"
        )
    others = [use.describe() for use in trace.uses[id(z)] if use.module != name]
    if id(z) in trace.model_outputs:
        others.append("the model's output")
    if others:
        return None, (
            f"the output of '{layer_name}' is also used by {', '.join(others)}: folding would "
            "change what that use sees"
        )
    if isinstance(layer, Linear) and z.ndim != 2:
        return None, (
            f"'{layer_name}' returns {z.shape} with features on the last axis, but "
            "BatchNorm1d normalises axis 1"
        )
    return layer_name, None


def _absorb(layer_name: str, layer: Module, bn_name: str, bn: Module) -> FoldedPair:
    """W' = W·s, b' = (b − μ)·s + β with s = γ/√(σ² + ε), written into ``layer`` in place.

    The arithmetic runs in float64 and is rounded once to the layer's dtype.
    """
    weight = layer.weight.data
    xp = get_array_module(weight)
    channels = weight.shape[0]

    def as_float64(tensor, default: float):
        return xp.full(channels, default) if tensor is None else tensor.data.astype(xp.float64)

    def first(array) -> float:  # channel 0's value (its first weight, for W)
        return float(array.reshape(-1)[0])

    gamma, beta = as_float64(bn.weight, 1.0), as_float64(bn.bias, 0.0)
    mean, var = as_float64(bn.running_mean, 0.0), as_float64(bn.running_var, 1.0)
    bias = as_float64(layer.bias, 0.0)
    scale = gamma / xp.sqrt(var + bn.eps)
    new_weight = weight.astype(xp.float64) * scale.reshape((channels,) + (1,) * (weight.ndim - 1))
    new_bias = (bias - mean) * scale + beta
    had_bias = layer.bias is not None
    weight_0 = first(weight)  # before the in-place write below
    layer.weight.data[...] = new_weight
    if had_bias:
        layer.bias.data[...] = new_bias
    else:
        layer.bias = Parameter(new_bias.astype(weight.dtype))

    return FoldedPair(
        layer=layer_name,
        batchnorm=bn_name,
        layer_type=type(layer).__name__,
        channels=channels,
        gamma=first(gamma),
        beta=first(beta),
        mean=first(mean),
        var=first(var),
        eps=float(bn.eps),
        scale=first(scale),
        weight=weight_0,
        new_weight=first(new_weight),
        weights_per_channel=weight[0].size,
        bias=first(bias),
        had_bias=had_bias,
        new_bias=first(new_bias),
    )


def _replace(root: Module, old: Module, new: Module) -> None:
    """Put ``new`` in every slot that holds ``old``, keeping each slot's place (a Sequential
    runs its children in registration order)."""
    for module in root.modules():
        for key, child in module._modules.items():
            if child is old:
                module._modules[key] = new
