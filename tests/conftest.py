import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import hubel as hb  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--kernels",
        choices=hb.kernels.MODES,
        default=None,
        help="run every op on the fast kernels or on the reference code in functional/ and "
        "optim/ (default: $HUBEL_KERNELS, else fast)",
    )


def pytest_configure(config):
    mode = config.getoption("--kernels", default=None)
    if mode is not None:
        hb.kernels.use(mode)


def pytest_report_header(config):
    return f"hubel kernels: {hb.kernels.active()}, compiled (numba): {hb.kernels.jit_active()}"


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global RNG state and default dtype, and leaves the
    kernels switch as it found it."""
    hb.manual_seed(0)
    hb.set_default_dtype(hb.float32)
    kernels = hb.kernels.active()
    yield
    hb.kernels.use(kernels)
