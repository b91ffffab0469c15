import numpy as np
import pytest
import torch

import hubel as hb


def test_gradient_accumulates_over_every_path_that_uses_a_node():
    x = hb.tensor([1.5, -2.0], dtype=hb.float64, requires_grad=True)
    y = x * x  # used three times below
    z = (y * 3 + y.exp() - y / x).sum()
    z.backward()
    tx = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
    ty = tx * tx
    (ty * 3 + ty.exp() - ty / tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_ten_thousand_op_chain_backpropagates_without_recursion():
    x = hb.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**10_000, rel=1e-3)


def test_second_backward_through_freed_graph_is_refused_with_advice():
    x = hb.randn(3, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = hb.tensor([2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_leaf_gradients_accumulate_across_backward_calls_until_zeroed():
    w = hb.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (w * 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [6.0, 6.0])


def test_no_grad_records_nothing_and_restores_the_mode():
    x = hb.randn(3, requires_grad=True)
    with hb.no_grad():
        y = x * 2
        assert not hb.is_grad_enabled()
    assert hb.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_no_grad_works_as_a_decorator():
    @hb.no_grad()
    def double(t):
        return t * 2

    assert not double(hb.randn(2, requires_grad=True)).requires_grad


def test_backward_on_non_scalar_needs_a_gradient():
    x = hb.randn(2, 3, requires_grad=True)
    with pytest.raises(
        ValueError, match=r"only for scalar outputs; this tensor has shape \(2, 3\)"
    ):
        (x * 2).backward()


def test_backward_with_wrong_gradient_shape_is_named():
    x = hb.randn(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"expected grad of shape \(2, 3\), got \(3,\)"):
        (x * 2).backward(hb.ones(3))


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        hb.randn(3).sum().backward()


def test_broadcast_gradient_is_summed_back_to_the_input_shape():
    b = hb.tensor(np.ones((1, 3)), requires_grad=True)
    x = hb.tensor(np.arange(6.0).reshape(2, 3))
    (x * b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [[3.0, 5.0, 7.0]])


def test_leaf_gradients_never_share_memory():
    a = hb.randn(3, requires_grad=True)
    b = hb.randn(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.data *= 10  # e.g. gradient clipping in place
    np.testing.assert_allclose(b.grad.numpy(), 1.0)


def test_retain_grad_keeps_an_intermediate_gradient():
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.detach().numpy())


def test_detach_cuts_the_graph():
    x = hb.tensor([3.0], requires_grad=True)
    y = x * x.detach()
    y.backward(hb.ones(1))
    np.testing.assert_allclose(x.grad.numpy(), [3.0])


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        hb.tensor([1, 2], requires_grad=True)


def test_custom_function_with_save_for_backward():
    class Cube(hb.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    x = hb.tensor([2.0], requires_grad=True)
    Cube.apply(x).backward(hb.ones(1))
    assert x.grad.item() == 12.0


def test_op_hook_sees_every_op_with_inputs_and_output_until_removed():
    seen = []
    x = hb.randn(2, 3)
    with hb.autograd.register_op_hook(
        lambda fn, inputs, out, opts: seen.append((fn.__name__, out.shape))
    ):
        with hb.no_grad():
            y = (x + x).sum(1)
    (x * 2).sum()
    assert seen == [("Add", (2, 3)), ("Sum", (2,))]
    assert y.shape == (2,)
