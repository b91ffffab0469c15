import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_matches_torch

import hubel as hb
import hubel.functional as F

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 5))
TARGET = np.array([0, 4, 2, 2, 1, 3])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5, 0.2])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("use_weight", [False, True])
def test_cross_entropy_matches_torch(reduction, label_smoothing, use_weight):
    w = WEIGHT if use_weight else None

    def hb_fn(x):
        return F.cross_entropy(
            x,
            hb.tensor(TARGET),
            weight=None if w is None else hb.tensor(w),
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    def th_fn(x):
        weight = None if w is None else torch.tensor(w, dtype=x.dtype)
        return TF.cross_entropy(
            x,
            torch.tensor(TARGET),
            weight=weight,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    assert_matches_torch(hb_fn, th_fn, inputs=[LOGITS])


def test_cross_entropy_ignore_index_matches_torch():
    target = TARGET.copy()
    target[[1, 3]] = -100
    assert_matches_torch(
        lambda x: F.cross_entropy(x, hb.tensor(target)),
        lambda x: TF.cross_entropy(x, torch.tensor(target)),
        inputs=[LOGITS],
    )


def test_cross_entropy_with_probability_targets_matches_torch():
    probs = rng.dirichlet(np.ones(5), size=6)
    assert_matches_torch(
        lambda x, p: F.cross_entropy(x, p, label_smoothing=0.2),
        lambda x, p: TF.cross_entropy(x, p, label_smoothing=0.2),
        inputs=[LOGITS, probs],
    )


def test_cross_entropy_on_spatial_input_matches_torch():
    x = rng.standard_normal((2, 4, 3, 3))
    t = rng.integers(0, 4, size=(2, 3, 3))
    assert_matches_torch(
        lambda a: F.cross_entropy(a, hb.tensor(t)),
        lambda a: TF.cross_entropy(a, torch.tensor(t)),
        inputs=[x],
    )


def test_cross_entropy_unbatched_matches_torch():
    assert_matches_torch(
        lambda a: F.cross_entropy(a, hb.tensor(2)),
        lambda a: TF.cross_entropy(a, torch.tensor(2)),
        inputs=[LOGITS[0]],
    )


def test_cross_entropy_is_stable_and_its_gradient_is_softmax_minus_onehot():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1e3, 0.0]])
    target = np.array([1, 1])
    x = hb.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, hb.tensor(target))
    loss.backward()
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), 1000.0 / 2, rtol=1e-12)
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    onehot = np.eye(3)[target]
    np.testing.assert_allclose(x.grad.numpy(), (softmax - onehot) / 2, atol=1e-15)


def test_initial_loss_of_uniform_scores_is_ln_of_classes():
    loss = F.cross_entropy(hb.zeros(8, 10), hb.tensor(np.arange(8) % 10))
    assert loss.item() == pytest.approx(math.log(10), rel=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_after_log_softmax_matches_torch(reduction):
    assert_matches_torch(
        lambda x: F.nll_loss(
            F.log_softmax(x, 1), hb.tensor(TARGET), hb.tensor(WEIGHT), reduction=reduction
        ),
        lambda x: TF.nll_loss(
            TF.log_softmax(x, 1),
            torch.tensor(TARGET),
            torch.tensor(WEIGHT, dtype=x.dtype),
            reduction=reduction,
        ),
        inputs=[LOGITS],
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction):
    for hb_fn, th_fn in ((F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss)):
        assert_matches_torch(
            lambda a, b, hb_fn=hb_fn: hb_fn(a, b, reduction=reduction),
            lambda a, b, th_fn=th_fn: th_fn(a, b, reduction=reduction),
            shapes=[(4, 3), (4, 3)],
        )


@pytest.mark.parametrize("use_pos_weight", [False, True])
def test_bce_with_logits_matches_torch_for_input_and_target(use_pos_weight):
    x = rng.standard_normal((5, 3)) * 3
    y = rng.uniform(0, 1, size=(5, 3))
    pw = np.array([0.5, 2.0, 3.0])
    assert_matches_torch(
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, pos_weight=hb.tensor(pw) if use_pos_weight else None
        ),
        lambda a, b: TF.binary_cross_entropy_with_logits(
            a, b, pos_weight=torch.tensor(pw, dtype=a.dtype) if use_pos_weight else None
        ),
        inputs=[x, y],
    )


def test_bce_with_logits_is_finite_for_huge_logits():
    loss = F.binary_cross_entropy_with_logits(hb.tensor([1e4, -1e4]), hb.tensor([0.0, 1.0]))
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)


def test_l1_and_l2_penalties_have_the_textbook_gradients():
    w = hb.tensor([[1.0, -2.0], [0.0, 3.0]], dtype=hb.float64, requires_grad=True)
    F.l1_penalty([w], weight=0.1).backward()
    np.testing.assert_allclose(w.grad.numpy(), 0.1 * np.sign(w.detach().numpy()))
    w.grad = None
    penalty = F.l2_penalty([w], weight=0.1)
    penalty.backward()
    np.testing.assert_allclose(penalty.item(), 0.05 * 14)
    np.testing.assert_allclose(w.grad.numpy(), 0.1 * w.detach().numpy())


def test_cross_entropy_class_out_of_range_is_named():
    with pytest.raises(
        ValueError,
        match=r"target class indices must be in \[0, 4\] \(C = 5\), "
        r"got \[5, 7\]",
    ):
        F.cross_entropy(hb.randn(3, 5), hb.tensor([5, 0, 7]))


def test_cross_entropy_wrong_target_shape_is_named():
    with pytest.raises(
        ValueError,
        match=r"expected target of shape \(3,\) .* for input of "
        r"shape \(3, 5\), got \(3, 1\)",
    ):
        F.cross_entropy(hb.randn(3, 5), hb.tensor([[1], [2], [3]]))


def test_cross_entropy_rejects_integer_scores():
    with pytest.raises(TypeError, match="input must be floating point"):
        F.cross_entropy(hb.tensor([[1, 2]]), hb.tensor([0]))


def test_mse_refuses_silent_broadcasting():
    with pytest.raises(ValueError, match=r"got input \(4, 1\) and target \(4,\)"):
        F.mse_loss(hb.randn(4, 1), hb.randn(4))


def test_unknown_reduction_is_named():
    with pytest.raises(ValueError, match="reduction must be one of .* got 'avg'"):
        F.cross_entropy(hb.randn(2, 3), hb.tensor([0, 1]), reduction="avg")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_on_probabilities_matches_torch(reduction):
    rng = np.random.default_rng(0)
    probs, target = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    assert_matches_torch(
        lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction),
        lambda p, t: torch.nn.functional.binary_cross_entropy(p, t, reduction=reduction),
        inputs=[probs, target],
    )


def test_binary_cross_entropy_with_weight_matches_torch():
    rng = np.random.default_rng(1)
    probs, target = rng.uniform(0.05, 0.95, (4, 3)), (rng.random((4, 3)) > 0.5) * 1.0
    weight = rng.uniform(0.5, 2, (3,))
    assert_matches_torch(
        lambda p, t: F.binary_cross_entropy(p, t, weight=hb.tensor(weight, dtype=p.dtype)),
        lambda p, t: torch.nn.functional.binary_cross_entropy(
            p, t, weight=torch.tensor(weight, dtype=p.dtype)
        ),
        inputs=[probs, target],
    )


def test_binary_cross_entropy_at_exact_zero_and_one_is_finite_like_torch():
    probs, target = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    assert_matches_torch(
        lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
        lambda p, t: torch.nn.functional.binary_cross_entropy(p, t, reduction="none"),
        inputs=[probs, target],
        check_gradcheck=False,  # the clamped log has no derivative to check at the edge
    )


def test_binary_cross_entropy_refuses_values_outside_0_1_like_torch():
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(hb.tensor([1.5]), hb.tensor([1.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(2, 4, 3), (2, 4, 3, 2)])
def test_nll_loss_on_spatial_input_matches_torch(reduction, shape):
    rng = np.random.default_rng(2)
    target = rng.integers(0, shape[1], size=(shape[0], *shape[2:]))
    target.flat[0] = -100  # an ignored position
    weight = rng.uniform(0.5, 2, shape[1])
    assert_matches_torch(
        lambda x, t: F.nll_loss(
            x.log_softmax(1), t, weight=hb.tensor(weight, dtype=x.dtype), reduction=reduction
        ),
        lambda x, t: torch.nn.functional.nll_loss(
            x.log_softmax(1), t, weight=torch.tensor(weight, dtype=x.dtype), reduction=reduction
        ),
        inputs=[rng.standard_normal(shape), target],
    )


def test_nll_loss_on_spatial_input_refuses_a_target_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"expected target of shape \(2, 3\)"):
        F.nll_loss(hb.zeros(2, 4, 3), hb.zeros(2, 4, dtype=hb.int64))


def test_bce_loss_module_matches_torch():
    rng = np.random.default_rng(4)
    probs, target = rng.uniform(0.05, 0.95, (5,)), (rng.random(5) > 0.5) * 1.0
    assert_matches_torch(
        hb.nn.BCELoss(reduction="sum"), torch.nn.BCELoss(reduction="sum"), inputs=[probs, target]
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("width", [1.0, 0.3])
def test_huber_and_smooth_l1_match_torch(reduction, width):
    rng = np.random.default_rng(6)
    x, t = rng.standard_normal((4, 5)) * 2, rng.standard_normal((4, 5))
    assert_matches_torch(
        lambda a, b: F.huber_loss(a, b, reduction, delta=width),
        lambda a, b: TF.huber_loss(a, b, reduction, delta=width),
        inputs=[x, t],
    )
    assert_matches_torch(
        lambda a, b: F.smooth_l1_loss(a, b, reduction, beta=width),
        lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=width),
        inputs=[x, t],
    )


def test_huber_modules_match_torch():
    rng = np.random.default_rng(7)
    inputs = [rng.standard_normal(6) * 3, rng.standard_normal(6)]
    assert_matches_torch(hb.nn.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5), inputs=inputs)
    assert_matches_torch(
        hb.nn.SmoothL1Loss(beta=2.0), torch.nn.SmoothL1Loss(beta=2.0), inputs=inputs
    )
