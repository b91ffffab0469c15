"""PyTorch's behaviour where the fix sits in a file of the kernels/optimizer layer (a small edit
there): the optimizer step counts as an in-place change, a convolution on an input smaller than
its kernel raises RuntimeError, and max pooling pads integer tensors with the dtype's minimum."""

import numpy as np
import pytest
import torch

import hubel as hb
from hubel import nn


def test_an_optimizer_step_between_forward_and_backward_is_refused():
    layer = nn.Linear(3, 2)
    opt = hb.optim.SGD(layer.parameters(), lr=0.1)
    loss = layer(hb.randn(4, 3)).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_conv_on_an_input_smaller_than_its_kernel_raises_runtime_error_as_torch():
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        torch.nn.functional.conv2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="input height 2 gives output height"):
        nn.functional.conv2d(hb.ones(1, 1, 2, 2), hb.ones(1, 1, 3, 3))


def test_max_pool_on_an_integer_tensor_with_padding_matches_torch():
    data = np.random.default_rng(0).integers(-50, 50, size=(2, 3, 6, 6))
    ours = nn.functional.max_pool2d(hb.tensor(data), 3, stride=2, padding=1)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(data), 3, stride=2, padding=1)
    assert str(ours.dtype) == "int64" and theirs.dtype == torch.int64
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
