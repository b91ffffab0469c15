"""The one switch between the reference code and the fast kernels."""

import os
import subprocess
import sys

import numpy as np
import pytest

import hubel as hb
import hubel.functional as F


def test_use_switches_at_once_and_as_a_context_manager_restores_the_previous_setting():
    before = hb.kernels.active()
    with hb.kernels.use("reference"):
        assert hb.kernels.active() == "reference" and hb.kernels.lookup("conv2d") is None
        with hb.kernels.use("fast"):
            assert hb.kernels.active() == "fast" and hb.kernels.lookup("conv2d") is not None
        assert hb.kernels.active() == "reference"
    assert hb.kernels.active() == before
    hb.kernels.use("reference")  # without a block it stays (conftest puts it back)
    assert hb.kernels.active() == "reference"


def test_a_backward_takes_the_path_its_forward_took():
    """A node made by a fast kernel holds the kernel's saved state: its backward must be the
    kernel's even when the switch changed in between (the reference backward would fail)."""
    x, weight = hb.randn(2, 3, 6, 6, requires_grad=True), hb.randn(4, 3, 3, 3)
    with hb.kernels.use("fast"):
        y = F.relu(F.conv2d(x, weight, padding=1))
    with hb.kernels.use("reference"):
        y.sum().backward()
        fast_grad = x.grad.numpy()
        x.grad = None
        F.relu(F.conv2d(x, weight, padding=1)).sum().backward()
    np.testing.assert_allclose(fast_grad, x.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad", ["slow", "", None, 1, "Fast"])
def test_use_rejects_anything_but_the_two_names(bad):
    with pytest.raises(ValueError, match=r"kernels.use: expected 'fast' or 'reference', got"):
        hb.kernels.use(bad)


@pytest.mark.parametrize(
    "value, expected",
    [("reference", "reference"), ("fast", "fast"), (" reference ", "reference"), ("", "fast")],
)
def test_the_environment_variable_sets_the_kernels_at_import(value, expected):
    env = {**os.environ, "HUBEL_KERNELS": value}
    code = "import hubel as hb; print(hb.kernels.active())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == expected


def test_a_bad_environment_value_is_named_at_import():
    env = {**os.environ, "HUBEL_KERNELS": "numba"}
    done = subprocess.run(
        [sys.executable, "-c", "import hubel"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "HUBEL_KERNELS: expected 'fast' or 'reference', got 'numba'" in done.stderr
