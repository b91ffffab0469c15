"""The inference conv kernel on plane-order columns (``kernels/conv_planes.py``) gives the
reference's output over every configuration it accepts, runs exactly where its rule says, and
leaves every recorded node to ``conv.py``. It is the inference path where the compiled kernels
are off or missing (with numba, float32 dense convolutions run ``conv_direct.py``): these
tests run with them off."""

import numpy as np
import pytest
from hypothesis import given, settings
from test_fast_equals_reference import TOLERANCE, normal
from window_configs import conv_configs

import hubel as hb
import hubel.functional as F
from hubel import kernels
from hubel.kernels import conv, conv_planes


@pytest.fixture(autouse=True)
def _numpy_kernels():
    with kernels.use_jit(False):
        yield


@pytest.fixture
def planes_calls(monkeypatch):
    """How many convolutions went through the plane-order products."""
    calls = []
    correlate = conv_planes._correlate

    def counted(*args):
        calls.append(args[0].shape)
        return correlate(*args)

    monkeypatch.setattr(conv_planes, "_correlate", counted)
    return calls


def forward_both_ways(x, weight, bias, dtype, **options):
    """The no-grad conv2d output under the reference and under the fast kernels."""
    outputs = {}
    for mode in ("reference", "fast"):
        arrays = [hb.tensor(a.astype(dtype)) if a is not None else None for a in (x, weight, bias)]
        with kernels.use(mode), hb.no_grad():
            outputs[mode] = F.conv2d(*arrays, **options).detach().numpy()
    reference, fast = outputs["reference"], outputs["fast"]
    assert fast.dtype == reference.dtype and fast.shape == reference.shape
    np.testing.assert_allclose(fast, reference, **TOLERANCE[dtype])
    return fast


ACCEPTED = [  # (x, W, bias, options): batch 1 any width, batch > 1 narrow layers on large maps
    ((1, 64, 14, 14), (128, 64, 3, 3), True, dict(padding=1)),  # ResNet-18's stage 3 at batch 1
    ((1, 3, 9, 7), (5, 3, 3, 3), False, dict(padding=0)),  # no padding, small map
    ((1, 2, 8, 9), (4, 2, 2, 4), True, dict(padding="same")),  # uneven padding, non-square kernel
    ((1, 3, 6, 6), (2, 3, 3, 3), True, dict(padding=4)),  # padding wider than the kernel
    ((4, 16, 16, 16), (16, 16, 3, 3), False, dict(padding=1)),  # ResNet-20's stage 1 shape
    ((3, 5, 18, 20), (32, 5, 5, 5), True, dict(padding=2)),  # 32 filters, 360 pixels
    ((2, 3, 20, 16), (7, 3, 3, 3), True, dict(padding=(1, 0))),  # per-axis padding, 20 x 14
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, w_shape, bias, options", ACCEPTED)
def test_planes_forward_equals_reference(planes_calls, x_shape, w_shape, bias, options, dtype):
    x, weight, b = normal(x_shape, w_shape, (w_shape[0],))
    out = forward_both_ways(x, weight, b if bias else None, dtype, **options)
    assert planes_calls == [x_shape]
    assert out.flags.c_contiguous  # NCHW memory, as the docstring says


def test_planes_reads_a_channels_last_input(planes_calls):
    """The conv kernels hand on NCHW views of channels-last memory: read them as they are."""
    x_nhwc, weight = normal((2, 16, 16, 8), (16, 8, 3, 3))
    forward_both_ways(x_nhwc.transpose(0, 3, 1, 2), weight, None, np.float32, padding=1)
    assert len(planes_calls) == 1


DECLINED = [  # the rule's other side: each goes to conv.py
    ((1, 4, 9, 9), (6, 4, 1, 1), dict()),  # 1x1: conv.py multiplies the input in place
    ((1, 4, 9, 9), (6, 2, 3, 3), dict(groups=2)),
    ((1, 4, 9, 9), (6, 4, 3, 3), dict(stride=2)),
    ((1, 4, 9, 9), (6, 4, 3, 3), dict(dilation=2)),
    ((2, 8, 16, 16), (33, 8, 3, 3), dict(padding=1)),  # batch > 1, more than 32 filters
    ((2, 8, 15, 17), (16, 8, 3, 3), dict(padding=1)),  # batch > 1, 255 output pixels
]


@pytest.mark.parametrize("x_shape, w_shape, options", DECLINED)
def test_planes_declines_outside_its_rule(planes_calls, x_shape, w_shape, options):
    x, weight = normal(x_shape, w_shape)
    forward_both_ways(x, weight, None, np.float64, **options)
    assert planes_calls == []


def test_recorded_nodes_run_conv_py_forward_and_backward(planes_calls):
    """Training: the node records the dispatching kernel, and both passes are conv.py's."""
    x, weight = (hb.tensor(a, requires_grad=True) for a in normal((1, 3, 16, 16), (4, 3, 3, 3)))
    with kernels.use("fast"):  # the dispatch itself is what this test reads
        out = F.conv2d(x, weight, padding=1)
    assert out._ctx.kernel is conv_planes and conv_planes.backward is conv.backward
    out.sum().backward()
    assert planes_calls == [] and x.grad is not None and weight.grad is not None


def test_planes_rule_uses_the_module_limits(planes_calls, monkeypatch):
    """``MAX_OUT_CHANNELS`` and ``MIN_PIXELS`` are the batch > 1 limits the kernel applies."""
    x, weight = normal((2, 3, 8, 8), (40, 3, 3, 3))
    forward_both_ways(x, weight, None, np.float64, padding=1)
    assert planes_calls == []
    monkeypatch.setattr(conv_planes, "MAX_OUT_CHANNELS", 40)
    monkeypatch.setattr(conv_planes, "MIN_PIXELS", 64)
    forward_both_ways(x, weight, None, np.float64, padding=1)
    assert planes_calls == [(2, 3, 8, 8)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(conv_configs())
def test_no_grad_conv2d_equals_reference_on_generated_configs(config):
    """Every configuration the generator draws (batch 1-3: many at batch 1, where the kernel
    takes any width), whichever kernel the rule picks, in float64 and float32."""
    x_shape, w_shape, bias, options = config
    x, weight, b = normal(x_shape, w_shape, (w_shape[0],))
    for dtype in (np.float64, np.float32):
        forward_both_ways(x, weight, b if bias else None, dtype, **options)
