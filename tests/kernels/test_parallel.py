"""Intra-op threads (hubel/kernels/parallel.py): the shares, the runner, the BLAS hold, and every
op that splits its work, forced to split small inputs and compared with PyTorch."""

import multiprocessing
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_matches_torch

import hubel as hb
import hubel.functional as F
from hubel.kernels import conv as conv_kernel
from hubel.kernels import parallel


@pytest.fixture
def split_everything(monkeypatch):
    """The fast kernels with three threads, no minimum share size and tiny blocks: every op
    that can split does, unevenly, and every blocked pass goes a few rows at a time."""
    monkeypatch.setattr(parallel, "MIN_SHARE_BYTES", 1)
    monkeypatch.setattr(parallel, "BLOCK_BYTES", 200)
    before = hb.get_num_threads()
    hb.set_num_threads(3)
    with hb.kernels.use("fast"):
        yield
    hb.set_num_threads(before)


def test_shares_cover_the_range_in_order_and_respect_the_minimum():
    before = hb.get_num_threads()
    try:
        hb.set_num_threads(4)
        assert parallel.shares(10) == [slice(0, 3), slice(3, 6), slice(6, 8), slice(8, 10)]
        assert parallel.shares(10, minimum=4) == [slice(0, 5), slice(5, 10)]
        assert parallel.shares(3, minimum=4) == [slice(0, 3)]
        hb.set_num_threads(1)
        assert parallel.shares(10) == [slice(0, 10)]
    finally:
        hb.set_num_threads(before)


def test_run_keeps_order_uses_other_threads_and_stays_serial_when_nested(split_everything):
    seen = []

    def work(i):
        seen.append(threading.current_thread().name)
        inner = parallel.run(lambda j: (j, threading.current_thread().name), range(3))
        assert {name for _, name in inner} == {threading.current_thread().name}
        return i * i

    assert parallel.run(work, range(6)) == [0, 1, 4, 9, 16, 25]
    assert any(name.startswith("hubel") for name in seen)


def test_run_raises_the_first_error_after_every_item_finished(split_everything):
    done = []

    def work(i):
        if i == 1:
            raise KeyError("share 1 failed")
        done.append(i)
        return i

    with pytest.raises(KeyError, match="share 1 failed"):
        parallel.run(work, range(4))
    assert sorted(done) == [0, 2, 3]


def test_blas_thread_count_is_held_at_one_inside_and_restored_after(split_everything):
    functions = parallel._blas_functions()
    if not functions:
        pytest.skip("no OpenBLAS with run-time thread control is loaded")
    get, _ = functions
    before = get()
    inside = parallel.run(lambda _: get(), range(3))
    assert inside == [1, 1, 1]
    assert get() == before


def test_set_num_threads_rejects_bad_values():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads: n must be an int >= 1"):
            hb.set_num_threads(bad)


def test_bad_environment_value_is_reported_by_name(monkeypatch):
    monkeypatch.setenv("HUBEL_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="HUBEL_NUM_THREADS must be a positive integer"):
        parallel._default_threads()
    monkeypatch.setenv("HUBEL_NUM_THREADS", "3")
    assert parallel._default_threads() == 3


def _square_in_child(queue):
    queue.put(parallel.run(lambda i: i * i, range(4)))


def test_a_forked_child_gets_a_working_pool(split_everything):
    parallel.run(lambda i: i, range(3))  # make sure the parent has a pool with threads
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_square_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == [0, 1, 4, 9]


# ------------------------------------------------------------------- ops with split work
@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((5, 3, 7, 6), (4, 3, 3, 3), dict(padding=1)),  # stride 1: the shifted col2im
        ((5, 4, 8, 7), (6, 2, 3, 2), dict(padding=(2, 1), dilation=(2, 1), groups=2)),
        ((4, 3, 9, 8), (5, 3, 3, 3), dict(stride=2, padding=1)),  # strided: serial col2im
        ((4, 3, 6, 6), (5, 3, 1, 1), {}),
        ((4, 3, 7, 6), (6, 1, 3, 3), dict(padding=1, groups=3)),  # depthwise, multiplier 2
        ((4, 4, 9, 8), (4, 1, 3, 3), dict(stride=2, padding=1, groups=4)),  # strided depthwise
    ],
)
def test_split_conv2d_matches_torch(split_everything, x_shape, w_shape, options):
    assert_matches_torch(
        lambda *t: F.conv2d(*t, **options),
        lambda *t: TF.conv2d(*t, **options),
        shapes=[x_shape, w_shape, (w_shape[0],)],
    )


def test_split_conv2d_with_small_chunks_inside_each_share(split_everything, monkeypatch):
    """Each thread's share of the input gradient goes a few images at a time."""
    monkeypatch.setattr(conv_kernel, "CHUNK_BYTES", 1)
    options = dict(padding=2, dilation=2)
    assert_matches_torch(
        lambda *t: F.conv2d(*t, **options),
        lambda *t: TF.conv2d(*t, **options),
        shapes=[(7, 3, 6, 5), (4, 3, 3, 3), (4,)],
    )


def test_split_batch_norm_relu_and_max_pool_match_torch(split_everything):
    def ours(x, w, b):
        mean, var = hb.zeros(4, dtype=x.dtype), hb.ones(4, dtype=x.dtype)
        y = F.batch_norm(x, mean, var, w, b, training=True)
        return F.max_pool2d(F.relu(y), 2)

    def theirs(x, w, b):
        mean, var = torch.zeros(4, dtype=x.dtype), torch.ones(4, dtype=x.dtype)
        y = TF.batch_norm(x, mean, var, w, b, training=True)
        return TF.max_pool2d(TF.relu(y), 2)

    assert_matches_torch(ours, theirs, shapes=[(5, 4, 6, 6), (4,), (4,)])


def test_split_batch_norm_on_channels_last_maps_matches_torch(split_everything):
    """The channels-last (N·H·W, C) view splits by rows, not by images."""
    conv = hb.nn.Conv2d(3, 4, 3, padding=1).double()
    bn = hb.nn.BatchNorm2d(4).double()
    x = hb.randn(5, 3, 6, 6, dtype=hb.float64)
    y = bn(conv(x))
    twin_conv = torch.nn.Conv2d(3, 4, 3, padding=1).double()
    twin_conv.load_state_dict(
        {k: torch.tensor(v.detach().numpy()) for k, v in conv.state_dict().items()}
    )
    expected = torch.nn.BatchNorm2d(4).double()(twin_conv(torch.tensor(x.detach().numpy())))
    np.testing.assert_allclose(
        y.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_split_and_serial_max_pool_and_relu_agree_exactly(split_everything):
    x = hb.randn(6, 3, 8, 8, requires_grad=True)
    g = hb.randn(6, 3, 4, 4)
    F.max_pool2d(F.relu(x), 2).backward(g)
    split = x.grad.numpy().copy()
    hb.set_num_threads(1)
    x.grad = None
    F.max_pool2d(F.relu(x), 2).backward(g)
    np.testing.assert_array_equal(split, x.grad.numpy())
