import numpy as np
import pytest

import hubel as hb


def test_python_floats_become_float32_and_ints_int64():
    assert hb.tensor([1.0, 2.0]).dtype == hb.float32
    assert hb.tensor(3.5).dtype == hb.float32
    assert hb.tensor([1, 2]).dtype == hb.int64
    assert hb.tensor([True, False]).dtype == hb.bool_


def test_numpy_arrays_keep_their_dtype_and_are_copied():
    a = np.arange(3.0)
    t = hb.tensor(a)
    assert t.dtype == hb.float64
    a[0] = 99
    assert t.detach().numpy()[0] == 0
    assert hb.tensor(np.arange(3, dtype=np.int32)).dtype == hb.int32


def test_from_numpy_shares_memory():
    a = np.zeros(3, dtype=np.float32)
    t = hb.from_numpy(a)
    a[1] = 5
    assert t.detach().numpy()[1] == 5


def test_explicit_dtype_wins():
    assert hb.tensor([1, 2], dtype=hb.float64).dtype == hb.float64


def test_attributes_and_conversions():
    t = hb.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.ndim == 2 and t.size() == (2, 2) and t.size(1) == 2
    assert t.numel() == 4 and len(t) == 2
    assert t.grad is None and not t.requires_grad
    assert t.sum().item() == 10.0
    assert np.asarray(t).dtype == np.float32
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert t.double().dtype == hb.float64 and t.long().dtype == hb.int64


def test_repr_looks_like_pytorch():
    assert repr(hb.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(hb.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(hb.tensor([1.0], dtype=hb.float64)) == "tensor([1.], dtype=hubel.float64)"
    x = hb.tensor([1.0], requires_grad=True)
    assert "grad_fn=<MulBackward>" in repr(x * 2)


def test_factories_shapes_and_dtypes():
    assert hb.zeros(2, 3).shape == (2, 3) and hb.ones((4,)).detach().numpy().sum() == 4
    assert hb.randn(3, 4, dtype=hb.float64).dtype == hb.float64
    np.testing.assert_array_equal(hb.arange(4).detach().numpy(), [0, 1, 2, 3])
    assert hb.arange(4).dtype == hb.int64 and hb.arange(0.0, 1.0, 0.5).dtype == hb.float32


def test_manual_seed_makes_randn_reproducible():
    hb.manual_seed(7)
    a = hb.randn(5).detach().numpy()
    hb.manual_seed(7)
    np.testing.assert_array_equal(a, hb.randn(5).detach().numpy())


def test_comparisons_give_boolean_tensors_without_grad():
    x = hb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == hb.bool_ and not mask.requires_grad
    np.testing.assert_array_equal(mask.detach().numpy(), [False, True, True])


def test_item_on_many_elements_is_refused():
    with pytest.raises(ValueError, match=r"only a one-element tensor .* got shape \(3,\)"):
        hb.randn(3).item()


def test_bad_data_is_refused():
    with pytest.raises(TypeError, match="tensor: expected numbers"):
        hb.tensor(["a", "b"])


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match="size: expected non-negative integers"):
        hb.zeros(2, -1)


def test_pytorch_dtype_names_are_there():
    import torch

    for name in ("bool", "float", "double", "half", "long", "int", "short", "int8", "uint8"):
        ours, theirs = getattr(hb, name), getattr(torch, name)
        assert str(hb.zeros(1, dtype=ours).dtype) == str(theirs).replace("torch.", ""), name
