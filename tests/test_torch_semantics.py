"""Places where hubel used to differ from PyTorch without saying so, each pinned against torch:
gradients of ** at base 0, indexing axis order, type promotion, in-place changes seen by
backward, exception classes, and the crashes that became torch's behaviour."""

import warnings

import numpy as np
import pytest
import torch

import hubel as hb
from hubel import nn

# ----------------------------------------------------------------------------- pow at 0


def _pow_grads(base, exponent, lib):
    """Gradients of sum(base ** exponent) in hubel or torch, as float64 arrays."""
    make = (
        (lambda v: hb.tensor(v, dtype=hb.float64, requires_grad=True))
        if lib is hb
        else (lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    )
    a, b = make(base), make(exponent)
    (a**b).sum().backward()
    return np.asarray(a.grad.tolist()), np.asarray(b.grad.tolist())


@pytest.mark.parametrize(
    "base, exponent",
    [
        ([0.0, 0.0, 0.0], [0.0, 1.0, 2.0]),  # 0 ** x: d/dx is 0, not [-inf, nan, nan]
        ([0.0], [0.0]),  # (0, 0): both gradients 0
        ([0.0], [0.3]),  # d/dy at (0, 0.3) is 0; d/dx is inf, as in torch
        ([0.0, 2.0, -1.5], [0.5, 0.0, 2.0]),
    ],
)
def test_pow_gradients_at_base_zero_match_torch(base, exponent):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no NumPy warnings on the way
        ours = _pow_grads(base, exponent, hb)
    theirs = _pow_grads(base, exponent, torch)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine, reference)


def test_pow_by_python_zero_has_zero_gradient_at_zero():
    x = hb.tensor([0.0, 1.0], requires_grad=True)
    (x**0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


# ----------------------------------------------------------------------------- indexing

INDEXES = [
    (0, slice(None), [1, 2]),  # an int and a list separated by a slice: torch gives (4, 2)
    ([0, 1], slice(None), 0),
    (slice(None), 0, [1, 2]),
    (0, [1, 2], slice(1, 3)),
    (Ellipsis, [0, 0, 3]),
    ([0, 2], slice(None), [1, 4]),
    (1, slice(None), [[0, 1], [2, 3]]),
    (None, 0, slice(None), [1, 2]),
    (0, "mask"),
]


def _index_pair(index, shape):
    mask = np.random.default_rng(0).random(shape[1:]) > 0.5
    fix = tuple(mask if i == "mask" else i for i in index)
    th = tuple(torch.tensor(i) if isinstance(i, list | np.ndarray) else i for i in fix)
    return fix, th


@pytest.mark.parametrize("index", INDEXES, ids=str)
def test_mixed_int_and_array_indexing_follows_torch(index):
    shape = (3, 4, 5)
    ours_index, torch_index = _index_pair(index, shape)
    data = np.random.default_rng(1).standard_normal(shape)
    x = hb.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, u = x[ours_index], t[torch_index]
    assert y.shape == tuple(u.shape)
    np.testing.assert_array_equal(y.detach().numpy(), u.detach().numpy())
    upstream = np.random.default_rng(2).standard_normal(y.shape)
    (y * hb.tensor(upstream)).sum().backward()
    (u * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_index_with_a_0d_integer_tensor_selects_like_an_int():
    x = hb.zeros(3, 4, 5)
    assert x[hb.tensor(0), :, [1, 2]].shape == tuple(
        torch.zeros(3, 4, 5)[torch.tensor(0), :, [1, 2]].shape
    )


# ----------------------------------------------------------------------------- promotion


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


PROMOTIONS = [
    ("int tensor + 0.5", lambda m, i, f: i + 0.5),
    ("int / int", lambda m, i, f: i / i.clamp(min=1)),
    ("int / python int", lambda m, i, f: i / 2),
    ("0.7 ** int", lambda m, i, f: 0.7**i),
    ("int ** 2", lambda m, i, f: i**2),
    ("maximum(int, float 0-d)", lambda m, i, f: m.maximum(i, m.tensor(1.2))),
    ("uint8 / 255", lambda m, i, f: i.to(m.uint8) / 255),
    ("int32 + float16", lambda m, i, f: i.to(m.int32) + f.to(m.float16)),
    ("int32 + int64 0-d", lambda m, i, f: i.to(m.int32) + m.tensor(1)),
    ("int32 + float64 0-d", lambda m, i, f: i.to(m.int32) + m.tensor(1.0, dtype=m.float64)),
    ("float32 + float64 0-d", lambda m, i, f: f + m.tensor(1.0, dtype=m.float64)),
    ("float32 + float64", lambda m, i, f: f + f.double()),
    ("bool + 1", lambda m, i, f: (i > 0) + 1),
    ("bool + True", lambda m, i, f: (i > 0) + True),
    ("bool * 1.5", lambda m, i, f: (i > 0) * 1.5),
    ("exp(int)", lambda m, i, f: m.exp(i)),
    ("sqrt(int)", lambda m, i, f: m.sqrt(i)),
    ("int // 2", lambda m, i, f: i // 2),
    ("int % 2", lambda m, i, f: i % 2),
    ("where(cond, int, 0.5)", lambda m, i, f: m.where(i > 1, i, 0.5)),
    ("clamp(int, min=0.5)", lambda m, i, f: m.clamp(i, min=0.5)),
    ("int - 1.5 (reflected)", lambda m, i, f: 1.5 - i),
    ("sum(int32)", lambda m, i, f: i.to(m.int32).sum()),
    ("sum(bool)", lambda m, i, f: (i > 0).sum()),
]


@pytest.mark.parametrize("expression", PROMOTIONS, ids=[p[0] for p in PROMOTIONS])
def test_type_promotion_matches_torch(expression):
    _, fn = expression
    ours = fn(hb, hb.arange(4), hb.tensor([0.5, 1.5, 2.5, 3.5]))
    theirs = fn(torch, torch.arange(4), torch.tensor([0.5, 1.5, 2.5, 3.5]))
    assert _dtype(ours) == _dtype(theirs)
    np.testing.assert_allclose(np.asarray(ours.tolist()), np.asarray(theirs.tolist()), rtol=1e-6)


def test_promotion_keeps_the_gradient_of_the_cast_operand():
    a = hb.tensor([1.0, 2.0], requires_grad=True)
    b = hb.tensor([3.0, 4.0], dtype=hb.float64, requires_grad=True)
    y = a * b
    assert y.dtype == hb.float64
    y.sum().backward()
    assert a.grad.dtype == hb.float32 and b.grad.dtype == hb.float64
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])


# ----------------------------------------------------------------------------- in place


def test_zeroing_a_saved_input_before_backward_is_refused_naming_the_op():
    x = hb.randn(3, requires_grad=True)
    w = hb.randn(3)
    y = (x * w).sum()
    w.zero_()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*Mul.*zero_"):
        y.backward()
    tx, tw = torch.randn(3, requires_grad=True), torch.randn(3)
    ty = (tx * tw).sum()
    tw.zero_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()


def test_in_place_change_through_a_view_is_seen_by_backward():
    w = hb.randn(2, 3)
    x = hb.randn(3, requires_grad=True)
    y = (w.T.reshape(3, 2) * x.reshape(3, 1)).sum()
    w[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_change_of_an_unsaved_input_is_allowed_as_in_torch():
    x = hb.randn(3, requires_grad=True)
    w = hb.randn(3)
    y = (x + w).sum()  # add saves nothing
    w.zero_()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(3, np.float32))


def test_in_place_change_of_a_saved_output_is_refused():
    x = hb.randn(3, requires_grad=True)
    y = x.exp()  # exp saves its output
    z = y.sum()
    with hb.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="output 0.*Exp.*mul_"):
        z.backward()


def test_version_counter_counts_in_place_changes():
    t = hb.zeros(3)
    assert t._version == 0
    t.add_(1)
    t += 1
    t[0] = 7.0
    assert t._version == 3
    np.testing.assert_array_equal(t.detach().numpy(), [7.0, 2.0, 2.0])
    tt = torch.zeros(3)
    tt.add_(1)
    tt += 1
    tt[0] = 7.0
    assert tt._version == 3


def test_in_place_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = hb.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.add_(1)
    with hb.no_grad():
        w -= 1.0  # the manual SGD step works, and updates w itself
    assert w.is_leaf and w.requires_grad


def test_manual_sgd_with_isub_updates_the_parameter_in_place():
    layer = nn.Linear(2, 1)
    weight = layer.weight
    before = weight.detach().numpy().copy()
    layer(hb.ones(1, 2)).sum().backward()
    with hb.no_grad():
        for p in layer.parameters():
            p -= 0.5 * p.grad
    assert layer.weight is weight
    np.testing.assert_allclose(weight.detach().numpy(), before - 0.5)


def test_in_place_ops_on_a_graph_tensor_keep_gradients_like_torch():
    data = np.array([0.5, -1.0, 2.0])

    def run(lib):
        x = lib.tensor(data, requires_grad=True)
        y = x * 2
        y.add_(x)
        y.mul_(3)
        y[1] = 0.0
        y.masked_fill_(y > 10, 1.0)
        y.sum().backward()
        return np.asarray(y.tolist()), np.asarray(x.grad.tolist())

    for ours, theirs in zip(run(hb), run(torch)):
        np.testing.assert_allclose(ours, theirs)


def test_in_place_result_that_does_not_fit_is_refused():
    i = hb.arange(3)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)
    with pytest.raises(RuntimeError, match="cannot be written into"):
        hb.zeros(3).add_(hb.zeros(2, 3))


def test_numpy_of_a_tensor_that_requires_grad_is_refused_as_in_torch():
    for module in (hb, torch):
        x = module.tensor([1.0, 2.0], requires_grad=True)
        s = x * x
        for t in (x, s):
            with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
                t.numpy()
    x = hb.tensor([1.0, 2.0], requires_grad=True)
    s = x * x
    assert s.tolist() == [1.0, 4.0]  # printing and tolist still work, as in torch
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(s)[:] = 5  # np.asarray is no way around the refusal
    s.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    writable = s.detach().numpy()
    writable[0] = 9.0  # detach().numpy() shares memory, as in torch
    assert s.detach().numpy()[0] == 9.0


# ----------------------------------------------------------------------------- error classes


ERRORS = [
    ("dim out of range", lambda m: m.ones(2, 3).sum(5), IndexError),
    ("softmax dim", lambda m: m.ones(2, 3).softmax(2), IndexError),
    ("transpose dim", lambda m: m.ones(2, 3).transpose(0, 3), IndexError),
    ("unsqueeze dim", lambda m: m.ones(2, 3).unsqueeze(4), IndexError),
    ("cat dim", lambda m: m.cat([m.ones(2), m.ones(2)], 1), IndexError),
    ("index out of range", lambda m: m.ones(2, 3)[5], IndexError),
    ("matmul", lambda m: m.ones(2, 3) @ m.ones(4, 5), RuntimeError),
    ("matmul batch", lambda m: m.ones(2, 2, 3) @ m.ones(3, 3, 5), RuntimeError),
    ("reshape", lambda m: m.ones(2, 3).reshape(4), RuntimeError),
    ("view", lambda m: m.ones(2, 3).view(5, -1), RuntimeError),
    ("permute", lambda m: m.ones(2, 3).permute(0), RuntimeError),
    ("broadcast add", lambda m: m.ones(2, 3) + m.ones(4), RuntimeError),
    ("broadcast mul", lambda m: m.ones(2, 3) * m.ones(2), RuntimeError),
    ("cat shapes", lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), RuntimeError),
    ("stack shapes", lambda m: m.stack([m.ones(2, 3), m.ones(2, 4)]), RuntimeError),
    ("expand", lambda m: m.ones(2, 3).expand(4, 4), RuntimeError),
    ("where shapes", lambda m: m.where(m.ones(2) > 0, m.ones(3), m.ones(3)), RuntimeError),
    ("mm rank", lambda m: m.mm(m.ones(2, 3, 1), m.ones(3, 2)), RuntimeError),
    ("bmm batch", lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2)), RuntimeError),
    ("zeros negative", lambda m: m.zeros(2, -1), RuntimeError),
    (
        "backward non-scalar",
        lambda m: m.ones(2, requires_grad=True).mul(2).backward(),
        RuntimeError,
    ),
    ("linear in_features", lambda m: m.nn.Linear(3, 2)(m.ones(4, 5)), RuntimeError),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_input_raises_the_class_torch_raises(case):
    _, fn, error = case
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(hb)


def test_hubel_errors_stay_value_errors_for_old_callers():
    with pytest.raises(ValueError):
        hb.ones(2, 3).reshape(4)
    with pytest.raises(ValueError):
        hb.ones(2, 3).sum(5)


# ----------------------------------------------------------------------------- crashes


@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_and_std_without_degrees_of_freedom_give_nan_with_a_warning(fn):
    x = hb.tensor([1.0], requires_grad=True)
    t = torch.tensor([1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        y = getattr(x, fn)()
    with pytest.warns(UserWarning):
        u = getattr(t, fn)()
    assert np.isnan(y.item()) and np.isnan(u.item())
    y.backward()
    u.backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # nan == nan here


def test_var_along_a_dim_of_length_one_matches_torch():
    data = np.arange(6.0).reshape(6, 1)
    with pytest.warns(UserWarning):
        ours = hb.tensor(data).var(1)
    with pytest.warns(UserWarning):
        theirs = torch.tensor(data).var(1)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin", "logsumexp", "prod"])
@pytest.mark.parametrize("dim", [0, -1])
def test_reducing_a_0d_tensor_over_dim_0_is_allowed(op, dim):
    x = hb.tensor(3.0, requires_grad=True)
    t = torch.tensor(3.0, requires_grad=True)
    y, u = getattr(x, op)(dim), getattr(t, op)(dim)
    assert y.shape == tuple(u.shape) == ()
    assert y.item() == pytest.approx(u.item())
    y.backward()
    u.backward()
    assert x.grad.item() == pytest.approx(t.grad.item())


def test_max_of_a_0d_tensor_along_dim_0_gives_value_and_index():
    values, indices = hb.tensor(3.0).max(0)
    assert values.item() == 3.0 and indices.item() == 0 and indices.dtype == hb.int64


def test_tensor_class_accepts_a_list_as_torch_tensor_does():
    t = hb.Tensor([-4.0])
    assert t.dtype == hb.float32 and t.shape == (1,) and t.item() == -4.0
    assert hb.Tensor([[1, 2], [3, 4]]).dtype == hb.float32  # torch.Tensor is always float
    assert _dtype(torch.Tensor([[1, 2], [3, 4]])) == "float32"
    with pytest.raises(TypeError, match=r"hb.tensor\(2.5\)"):
        hb.Tensor(2.5)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.arange(3).mean(),
        lambda m: m.tensor([1, 2], requires_grad=True),
        lambda m: m.arange(3).requires_grad_(),
    ],
)
def test_integer_dtype_refusals_are_runtime_errors_as_in_torch(call):
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(hb)
    with pytest.raises(TypeError):  # hubel's earlier class still catches them
        call(hb)


@pytest.mark.parametrize("a, b", [(1.0, 0.0), (1, 0), (True, 2.5)])
def test_where_of_two_numbers_takes_torchs_dtype(a, b):
    cond = [True, False]
    ours, theirs = hb.where(hb.tensor(cond), a, b), torch.where(torch.tensor(cond), a, b)
    assert _dtype(ours) == _dtype(theirs) and ours.tolist() == theirs.tolist()
