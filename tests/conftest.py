import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import hubel as hb  # noqa: E402


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global RNG state and default dtype."""
    hb.manual_seed(0)
    hb.set_default_dtype(hb.float32)
    yield
