"""One unit of a feature map worked out, as CNN Explainer animates it: the window the unit
reads, the kernel, the products and their sum for a convolution; max(0, x) for a ReLU; the
window's maximum for a max pool; the affine map for a batch norm in eval mode.

Everything is recomputed here from the layer's parameters and its input, in float64, so the
page can show that the worked sum equals the value in the feature map.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from .config import PlaygroundError

DIGITS = 4  # decimals of the numbers shown


def _rounded(values) -> list:
    return np.round(np.asarray(values, dtype=np.float64), DIGITS).tolist()


def _window(layer_input: np.ndarray, row: int, col: int, kernel, stride, padding) -> dict:
    """The input window of output unit (row, col): the padded input's rows r·S … r·S + F − 1,
    i.e. input rows r·S − P … r·S − P + F − 1 (outside the input: padding, zero)."""
    (kernel_h, kernel_w), (stride_h, stride_w), (pad_h, pad_w) = kernel, stride, padding
    padded = np.pad(layer_input, ((0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    top, left = row * stride_h, col * stride_w
    return {
        "values": padded[:, top : top + kernel_h, left : left + kernel_w].astype(np.float64),
        "top": top - pad_h,
        "left": left - pad_w,
    }


def _conv(layer: nn.Conv2d, layer_input, channel, row, col) -> dict:
    window = _window(layer_input, row, col, layer.kernel_size, layer.stride, layer.padding)
    weight = layer.weight.detach().numpy()[channel].astype(np.float64)
    bias = float(layer.bias.detach().numpy()[channel]) if layer.bias is not None else 0.0
    products = weight * window["values"]
    channel_sums = products.sum(axis=(1, 2))
    total = float(channel_sums.sum() + bias)
    kernel_h, kernel_w = layer.kernel_size
    terms = " + ".join(f"{s:.{DIGITS}f}" for s in channel_sums)
    return {
        "kind": "conv",
        "formula": "y = b + Σ_c Σ_u Σ_v w[c, u, v] · x[c, r·S − P + u, s·S − P + v]",
        "kernel": _rounded(weight),
        "window": _rounded(window["values"]),
        "products": _rounded(products),
        "channel_sums": _rounded(channel_sums),
        "bias": round(bias, DIGITS),
        "window_top": window["top"],
        "window_left": window["left"],
        "window_size": [kernel_h, kernel_w],
        "macs": int(products.size),
        "steps": [
            f"window: input rows {window['top']}…{window['top'] + kernel_h - 1}, "
            f"columns {window['left']}…{window['left'] + kernel_w - 1} "
            f"(stride {layer.stride[0]}, padding {layer.padding[0]}: outside the input is 0)",
            f"{products.size} multiply-accumulates = {kernel_h}·{kernel_w}·{weight.shape[0]} "
            f"(F·F·C_in)",
            f"y = {bias:.{DIGITS}f} + ({terms}) = {total:.{DIGITS}f}",
        ],
        "value": total,
    }


def _relu(layer_input, channel, row, col) -> dict:
    x = float(layer_input[channel, row, col])
    return {
        "kind": "relu",
        "formula": "y = max(0, x)",
        "steps": [f"y = max(0, {x:.{DIGITS}f}) = {max(0.0, x):.{DIGITS}f}"],
        "value": max(0.0, x),
    }


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _max_pool(layer: nn.MaxPool2d, layer_input, channel, row, col) -> dict:
    window = _window(
        layer_input, row, col, _pair(layer.kernel_size), _pair(layer.stride), _pair(layer.padding)
    )
    values = window["values"][channel]
    return {
        "kind": "pool",
        "formula": "y = max over the window",
        "window": _rounded(values[None]),
        "window_top": window["top"],
        "window_left": window["left"],
        "window_size": list(values.shape),
        "steps": [
            f"y = max({', '.join(f'{v:.{DIGITS}f}' for v in values.ravel())}) "
            f"= {values.max():.{DIGITS}f}"
        ],
        "value": float(values.max()),
    }


def _batchnorm(layer: nn.BatchNorm2d, layer_input, channel, row, col) -> dict:
    x = float(layer_input[channel, row, col])
    mean = float(layer.running_mean.detach().numpy()[channel])
    var = float(layer.running_var.detach().numpy()[channel])
    gamma = float(layer.weight.detach().numpy()[channel]) if layer.weight is not None else 1.0
    beta = float(layer.bias.detach().numpy()[channel]) if layer.bias is not None else 0.0
    y = gamma * (x - mean) / np.sqrt(var + layer.eps) + beta
    return {
        "kind": "batchnorm",
        "formula": "y = γ (x − μ) / √(σ² + ε) + β   (eval mode: running μ and σ²)",
        "steps": [
            f"y = {gamma:.{DIGITS}f}·({x:.{DIGITS}f} − {mean:.{DIGITS}f}) / "
            f"√({var:.{DIGITS}f} + {layer.eps:g}) + {beta:.{DIGITS}f} = {y:.{DIGITS}f}"
        ],
        "value": float(y),
    }


def explain_unit(outputs: list, layer_name: str, channel: int, row: int, col: int) -> dict:
    """Work out unit (channel, row, col) of layer ``layer_name``.

    ``outputs`` is :meth:`CNNSession.activations`: (name, layer, output) in order, the input
    first. Returns the formula, the worked ``steps``, the arrays involved, ``value`` as
    recomputed here and ``map_value`` as the forward pass gave it.
    """
    names = [name for name, _, output in outputs[1:] if output.ndim == 3]
    position = next((i for i, item in enumerate(outputs) if item[0] == layer_name), None)
    if position is None or layer_name not in names:
        raise PlaygroundError(f"layer: expected one of {', '.join(names)}, got {layer_name!r}")
    _, layer, output = outputs[position]
    layer_input = outputs[position - 1][2]
    for name, value, size in (
        ("channel", channel, output.shape[0]),
        ("row", row, output.shape[1]),
        ("col", col, output.shape[2]),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
            raise PlaygroundError(
                f"{name}: expected an integer in [0, {size - 1}] for {layer_name}'s output of "
                f"shape {tuple(output.shape)} (C, H, W), got {value!r}"
            )
    if isinstance(layer, nn.Conv2d):
        worked = _conv(layer, layer_input, channel, row, col)
    elif isinstance(layer, nn.ReLU):
        worked = _relu(layer_input, channel, row, col)
    elif isinstance(layer, nn.MaxPool2d):
        worked = _max_pool(layer, layer_input, channel, row, col)
    elif isinstance(layer, nn.BatchNorm2d):
        worked = _batchnorm(layer, layer_input, channel, row, col)
    else:  # Identity: a batch norm folded into the conv before it
        x = float(layer_input[channel, row, col])
        worked = {
            "kind": "identity",
            "formula": "y = x (this batch norm is folded into the conv before it)",
            "steps": [f"y = {x:.{DIGITS}f}"],
            "value": x,
        }
    return {
        "layer": layer_name,
        "type": type(layer).__name__,
        "channel": channel,
        "row": row,
        "col": col,
        "input_layer": outputs[position - 1][0],
        "map_value": float(output[channel, row, col]),
        **worked,
    }
