import numpy as np
import pytest
import torch
from helpers import copy_state_to_torch

import hubel as hb
from hubel import nn


def run_both(ours, theirs, x, train=True, steps=1, rtol=1e-10, atol=1e-12):
    """Forward and backward through both modules (float64); compare outputs and every grad."""
    ours.double().train(train)
    theirs.double().train(train)
    for step in range(steps):
        xi = x + step
        h_in = hb.tensor(xi, requires_grad=True)
        t_in = torch.tensor(xi, requires_grad=True)
        h_out, t_out = ours(h_in), theirs(t_in)
        np.testing.assert_allclose(
            h_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol
        )
        g = np.random.default_rng(step).standard_normal(h_out.shape)
        h_out.backward(hb.tensor(g))
        t_out.backward(torch.tensor(g))
        np.testing.assert_allclose(h_in.grad.numpy(), t_in.grad.numpy(), rtol=rtol, atol=atol)
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            np.testing.assert_allclose(
                p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=name
            )
    for (name, b), (_, tb) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(
            np.asarray(b.detach().numpy(), dtype=np.float64),
            tb.double().detach().numpy(),
            rtol=rtol,
            atol=atol,
            err_msg=name,
        )


X = np.random.default_rng(0).standard_normal((6, 5))


@pytest.mark.parametrize("bias", [True, False])
def test_linear_module_matches_torch(bias):
    ours, theirs = nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias)
    copy_state_to_torch(ours, theirs)
    run_both(ours, theirs, X)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)),
        (nn.GELU(), torch.nn.GELU()),
        (nn.Softmax(1), torch.nn.Softmax(1)),
        (nn.LogSoftmax(1), torch.nn.LogSoftmax(1)),
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Identity(), torch.nn.Identity()),
    ],
    ids=lambda m: type(m).__name__,
)
def test_parameter_free_modules_match_torch(ours, theirs):
    run_both(ours, theirs, X)


def test_batchnorm1d_running_stats_and_eval_match_torch_after_several_steps():
    ours, theirs = nn.BatchNorm1d(5), torch.nn.BatchNorm1d(5)
    with hb.no_grad():
        ours.weight.data[...] = np.linspace(0.5, 2, 5)
        ours.bias.data[...] = np.linspace(-1, 1, 5)
    copy_state_to_torch(ours, theirs)
    run_both(ours, theirs, X * 3 + 1, train=True, steps=4)
    assert ours.num_batches_tracked.item() == 4
    run_both(ours, theirs, X, train=False)


def test_batchnorm1d_on_3d_input_and_momentum_none_match_torch():
    ours, theirs = nn.BatchNorm1d(5, momentum=None), torch.nn.BatchNorm1d(5, momentum=None)
    run_both(ours, theirs, np.random.default_rng(1).standard_normal((4, 5, 3)), steps=3)


def test_batchnorm_without_running_stats_matches_torch_in_eval():
    ours = nn.BatchNorm1d(5, track_running_stats=False, affine=False)
    theirs = torch.nn.BatchNorm1d(5, track_running_stats=False, affine=False)
    run_both(ours, theirs, X, train=False)


def test_batchnorm_eval_uses_running_stats_not_the_batch():
    bn = nn.BatchNorm1d(2)
    bn.running_mean.data[...] = [1.0, -1.0]
    bn.running_var.data[...] = [4.0, 0.25]
    bn.eval()
    out = bn(hb.tensor([[3.0, 0.0]])).detach().numpy()
    np.testing.assert_allclose(out, [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)]], rtol=1e-6)


def test_dropout_module_train_vs_eval():
    drop = nn.Dropout(0.5)
    x = hb.ones(1000)
    assert (drop(x).detach().numpy() == 0).any()
    drop.eval()
    np.testing.assert_array_equal(drop(x).detach().numpy(), x.detach().numpy())


def test_losses_match_torch():
    x = np.random.default_rng(0).standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    h = nn.CrossEntropyLoss(label_smoothing=0.1)(hb.tensor(x), hb.tensor(t)).item()
    th = torch.nn.CrossEntropyLoss(label_smoothing=0.1)(torch.tensor(x), torch.tensor(t)).item()
    assert h == pytest.approx(th, rel=1e-12)
    y = np.random.default_rng(1).standard_normal((4, 3))
    for ours, theirs in (
        (nn.MSELoss(), torch.nn.MSELoss()),
        (nn.L1Loss(), torch.nn.L1Loss()),
        (nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss()),
    ):
        yy = (y > 0).astype(float) if isinstance(ours, nn.BCEWithLogitsLoss) else y
        assert ours(hb.tensor(x), hb.tensor(yy)).item() == pytest.approx(
            theirs(torch.tensor(x), torch.tensor(yy)).item(), rel=1e-12
        )


def test_linear_default_init_bounds_are_pytorchs():
    fc = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = fc.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound
    assert np.abs(fc.bias.detach().numpy()).max() <= bound


def test_linear_wrong_input_shape_is_explained():
    with pytest.raises(
        ValueError,
        match=r"Linear\(in_features=5, out_features=3\): expected input "
        r"of shape \(N, 5\), got \(2, 4\)",
    ):
        nn.Linear(5, 3)(hb.randn(2, 4))


def test_linear_image_input_suggests_flatten():
    with pytest.raises(ValueError, match="flatten images first"):
        nn.Linear(5, 3)(hb.randn(2, 3, 4, 4))


def test_batchnorm_wrong_channels_is_explained():
    with pytest.raises(
        ValueError,
        match=r"BatchNorm1d\(4\): expected input of shape \(N, 4\) or "
        r"\(N, 4, L\), got \(2, 3\)",
    ):
        nn.BatchNorm1d(4)(hb.randn(2, 3))


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_linear_sizes_must_be_positive_ints(bad):
    with pytest.raises(ValueError, match="Linear: in_features must be a positive int"):
        nn.Linear(bad, 3)


def test_dropout_p_is_checked():
    with pytest.raises(
        ValueError, match=r"Dropout: p is the drop probability and must be in \[0, "
    ):
        nn.Dropout(1.5)
