"""An op brings its own counting rule: ``hb.summary`` counts a Function by the ``cost`` it
declares beside its forward and backward, so a new op needs no edit of the analyzer."""

import pytest

import hubel as hb
from hubel import autograd, nn
from hubel.analysis import summary
from hubel.functional.conv import Conv2d
from hubel.functional.pool import MaxPool2d, pool_window


class Cube(autograd.Function):
    """y = x³;  dy/dx = 3x². Costs two multiplies per value, by its own account."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x

    @staticmethod
    def cost(inputs, output, options):
        return 0, 2 * output.numel()


class CubeLayer(nn.Module):
    def forward(self, x):
        return Cube.apply(x)


def test_a_new_function_is_counted_by_the_cost_it_declares():
    with pytest.warns(UserWarning, match="no counting rule for layer type CubeLayer"):
        result = summary(nn.Sequential(nn.Linear(4, 6), CubeLayer()), (4,))
    assert result.rows[1].other_ops == 2 * 6 and result.rows[1].macs == 0


def test_convolution_and_max_pool_declare_the_course_counts():
    x, weight = hb.randn(2, 3, 8, 8), hb.randn(4, 3, 3, 3)
    out = hb.nn.functional.conv2d(x, weight, padding=1)
    assert Conv2d.cost((x, weight), out, {}) == (out.numel() * 3 * 3 * 3, 0)
    assert Conv2d.cost((x, weight, hb.randn(4)), out, {})[1] == out.numel()  # bias adds
    pooled = hb.nn.functional.max_pool2d(out, 2)
    window = pool_window(2, None, 0, 1, "max_pool2d")
    assert MaxPool2d.cost((out,), pooled, {"window": window}) == (0, 3 * pooled.numel())
