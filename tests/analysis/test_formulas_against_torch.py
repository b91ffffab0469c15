"""Every formula against real PyTorch layers: output shape, parameter count, FLOPs / 2 = MACs.

torch is the oracle only. Layers are built on the "meta" device, which computes shapes and
runs PyTorch's own argument checks without touching any data, so hundreds of configurations
take a few seconds.
"""

import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from hubel.analysis import (
    batchnorm_params,
    calc_stack,
    conv_macs,
    conv_output_size,
    conv_params,
    depthwise_separable_cost,
    linear_macs,
    linear_params,
    pool_output_size,
    receptive_field,
)

META = "meta"
kernels = st.integers(1, 7)
strides = st.integers(1, 3)
paddings = st.integers(0, 3)
dilations = st.integers(1, 3)
sizes = st.integers(1, 24)


def _pair(draw, numbers):
    """An int, or (h, w) that may differ: PyTorch accepts both."""
    first = draw(numbers)
    return draw(st.sampled_from([first, (first, draw(numbers))]))


def _run(module, *input_shape):
    """Output shape (or None when PyTorch refuses the input) and MACs counted by PyTorch."""
    with FlopCounterMode(display=False) as counter:
        try:
            output = module(torch.empty(*input_shape, device=META))
        except RuntimeError:
            return None, None
    return tuple(output.shape), counter.get_total_flops() // 2  # one MAC = 2 FLOPs


def _params(module):
    return sum(p.numel() for p in module.parameters())


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_conv_matches_torch_conv2d(data):
    kernel = _pair(data.draw, kernels)
    stride, padding, dilation = (
        _pair(data.draw, numbers) for numbers in (strides, paddings, dilations)
    )
    groups = data.draw(st.sampled_from([1, 2, 3]))
    in_channels = groups * data.draw(st.integers(1, 3))
    out_channels = groups * data.draw(st.integers(1, 3))
    bias = data.draw(st.booleans())
    height, width = data.draw(sizes), data.draw(sizes)

    conv = torch.nn.Conv2d(
        in_channels, out_channels, kernel, stride, padding, dilation, groups, bias, device=META
    )
    shape, macs = _run(conv, 1, in_channels, height, width)
    assert conv_params(in_channels, out_channels, kernel, groups, bias).value == _params(conv)
    event("torch refused" if shape is None else "torch accepted")
    if shape is None:  # PyTorch: the kernel does not fit, so we must refuse it too
        with pytest.raises(ValueError, match="< 1"):
            conv_output_size((height, width), kernel, stride, padding, dilation)
        return
    size = conv_output_size((height, width), kernel, stride, padding, dilation).value
    assert shape == (1, out_channels, *size)
    assert conv_macs(in_channels, out_channels, kernel, size, groups).value == macs


@settings(max_examples=60, deadline=None)
@given(
    size=st.tuples(sizes, sizes),
    kernel=st.tuples(kernels, kernels),
    dilation=st.tuples(dilations, dilations),
    padding=st.sampled_from(["same", "valid"]),
)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_named_padding_matches_torch(size, kernel, dilation, padding):
    conv = torch.nn.Conv2d(1, 1, kernel, padding=padding, dilation=dilation, device=META)
    shape, _ = _run(conv, 1, 1, *size)
    if shape is None:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, 1, padding, dilation)
    else:
        assert conv_output_size(size, kernel, 1, padding, dilation).value == shape[2:]


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_pool_matches_torch_max_and_avg_pool(data):
    kernel = _pair(data.draw, kernels)
    stride = data.draw(st.sampled_from([None, _pair(data.draw, strides)]))
    # mostly within PyTorch's limit of kernel_size // 2, sometimes one over it
    limit = (min(kernel) if isinstance(kernel, tuple) else kernel) // 2 + 1
    padding = _pair(data.draw, st.integers(0, min(limit, 3)))
    ceil_mode = data.draw(st.booleans())
    average = data.draw(st.booleans())
    dilation = 1 if average else _pair(data.draw, dilations)
    height, width = data.draw(sizes), data.draw(sizes)

    if average:
        pool = torch.nn.AvgPool2d(kernel, stride, padding, ceil_mode)
    else:
        pool = torch.nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    shape, _ = _run(pool, 1, 2, height, width)
    event("torch refused" if shape is None else "torch accepted")
    if shape is None:  # padding over half the kernel, or an output below 1
        with pytest.raises(ValueError):
            pool_output_size((height, width), kernel, stride, padding, dilation, ceil_mode)
        return
    size = pool_output_size((height, width), kernel, stride, padding, dilation, ceil_mode).value
    assert shape == (1, 2, *size)


@pytest.mark.parametrize("size", range(1, 12))
@pytest.mark.parametrize("kernel, stride, padding", [(2, 2, 1), (3, 2, 1), (3, 3, 1), (2, 3, 0)])
def test_ceil_mode_last_window_rule_matches_torch_in_one_dimension(size, kernel, stride, padding):
    pool = torch.nn.MaxPool1d(kernel, stride, padding, ceil_mode=True)
    shape, _ = _run(pool, 1, 1, size)
    if shape is None:
        with pytest.raises(ValueError):
            pool_output_size(size, kernel, stride, padding, ceil_mode=True)
    else:
        assert pool_output_size(size, kernel, stride, padding, ceil_mode=True).value == shape[-1]


@settings(max_examples=100, deadline=None)
@given(
    size=st.tuples(sizes, sizes),
    kernel=st.tuples(kernels, kernels),
    stride=st.tuples(strides, strides),
    sides=st.tuples(paddings, paddings, paddings, paddings),
)
def test_asymmetric_padding_matches_torch_pad_then_conv(size, kernel, stride, sides):
    top, bottom, left, right = sides
    padded = torch.nn.functional.pad(
        torch.empty(1, 1, *size, device=META), (left, right, top, bottom)
    )
    conv = torch.nn.Conv2d(1, 1, kernel, stride, device=META)
    shape, _ = _run(conv, *padded.shape)
    padding = ((top, bottom), (left, right))
    if shape is None:
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, stride, padding)
    else:
        assert conv_output_size(size, kernel, stride, padding).value == shape[2:]


@pytest.mark.parametrize("in_features, out_features", [(3072, 1024), (400, 120), (1, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(in_features, out_features, bias):
    linear = torch.nn.Linear(in_features, out_features, bias, device=META)
    _, macs = _run(linear, 1, in_features)
    assert linear_params(in_features, out_features, bias).value == _params(linear)
    assert linear_macs(in_features, out_features).value == macs


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track_running_stats", [True, False])
def test_batchnorm_counts_match_torch(affine, track_running_stats):
    norm = torch.nn.BatchNorm2d(64, affine=affine, track_running_stats=track_running_stats)
    counts = batchnorm_params(64, affine, track_running_stats)
    assert counts.trainable == _params(norm)
    assert counts.buffers == sum(buffer.numel() for buffer in norm.buffers())


@pytest.mark.parametrize(
    "shape, filters, kernel, stride", [((32, 32, 64), 128, 3, 1), ((112, 112, 32), 64, 3, 2)]
)
def test_depthwise_separable_matches_torch_layers(shape, filters, kernel, stride):
    height, width, channels = shape
    cost = depthwise_separable_cost(shape, filters, kernel, stride)
    padding = kernel // 2
    layers = {
        "standard": torch.nn.Conv2d(channels, filters, kernel, stride, padding, bias=False),
        "depthwise": torch.nn.Conv2d(
            channels, channels, kernel, stride, padding, groups=channels, bias=False
        ),
        "pointwise": torch.nn.Conv2d(channels, filters, 1, bias=False),
    }
    input_shapes = {"standard": shape, "depthwise": shape, "pointwise": cost.depthwise.output_shape}
    for name, layer in layers.items():
        ours = getattr(cost, name)
        h, w, c = input_shapes[name]
        out, macs = _run(layer.to(META), 1, c, h, w)
        assert (ours.params, ours.macs) == (_params(layer), macs), name
        assert out == (1, ours.output_shape[2], *ours.output_shape[:2]), name


def _field_by_gradient(layers):
    """Measure the receptive field: the span of inputs that reach the first output."""
    stack = torch.nn.Sequential(
        *(torch.nn.Conv1d(1, 1, k, s, dilation=d, bias=False) for k, s, d in layers)
    )
    for conv in stack:
        torch.nn.init.ones_(conv.weight)  # positive weights: nothing cancels
    x = torch.zeros(1, 1, 200, dtype=torch.float64, requires_grad=True)
    stack.double()(x)[0, 0, 0].backward()
    touched = x.grad[0, 0].nonzero()
    return int(touched.max() - touched.min() + 1)


@pytest.mark.parametrize(
    "layers",
    [
        [(3, 1, 1), (3, 1, 1), (3, 1, 1)],
        [(7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)],
        [(3, 1, 2), (3, 1, 4), (3, 1, 8)],
        [(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)],
        [(11, 4, 1), (3, 2, 1), (5, 1, 2)],
    ],
)
def test_receptive_field_matches_gradient_span(layers):
    assert receptive_field(layers).value == _field_by_gradient(layers)


def _lenet():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(400, 120),
        torch.nn.Linear(120, 84),
        torch.nn.Linear(84, 10),
    )


def _per_layer(model, *input_shape):
    """(output shape in the course's HxWxC order, params, MACs) for each layer of ``model``."""
    rows, x = [], torch.empty(*input_shape, device=META)
    for layer in model.to(META):
        with FlopCounterMode(display=False) as counter:
            x = layer(x)
        shape = tuple(x.shape[1:])
        course_shape = (*shape[1:], shape[0]) if len(shape) == 3 else shape
        rows.append((course_shape, _params(layer), counter.get_total_flops() // 2))
    return rows


def test_lenet_table_matches_a_torch_lenet():
    result = calc_stack("32x32x1", "conv5x5x6 pool2 conv5x5x16 pool2 fc120 fc84 fc10")
    ours = [(row.output_shape, row.params, row.macs) for row in result.rows]
    assert ours == _per_layer(_lenet(), 1, 1, 32, 32)
    assert result.total_params == _params(_lenet()) == 61_706


def test_mobilenet_style_stack_matches_torch():
    spec = "conv3x3x32s2p1nb bn dw3x3p1nb bn pw64nb bn pool3s2c avgpool2 conv1x3x8g2d2 fc10"
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, 2, 1, bias=False),
        torch.nn.BatchNorm2d(32),
        torch.nn.Conv2d(32, 32, 3, 1, 1, groups=32, bias=False),
        torch.nn.BatchNorm2d(32),
        torch.nn.Conv2d(32, 64, 1, bias=False),
        torch.nn.BatchNorm2d(64),
        torch.nn.MaxPool2d(3, 2, ceil_mode=True),
        torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(64, 8, (1, 3), dilation=2, groups=2),
        torch.nn.Flatten(),
        torch.nn.Linear(8 * 7 * 3, 10),
    )
    result = calc_stack("58x58x3", spec)
    ours = [(row.output_shape, row.params, row.macs) for row in result.rows]
    theirs = _per_layer(model, 1, 3, 58, 58)
    # BatchNorm's FLOPs are counted by neither side as MACs
    theirs = [
        (shape, params, 0 if isinstance(layer, torch.nn.BatchNorm2d) else macs)
        for (shape, params, macs), layer in zip(theirs, model, strict=True)
    ]
    assert ours == theirs
