"""The restricted unpickler loads plain data and NumPy arrays, and refuses everything else."""

import builtins
import io
import os
import pickle

import numpy as np
import pytest
from cifar_archive import py2_pickle

from hubel.data.safe_pickle import RestrictedUnpickler, load_pickle


def _load(data: bytes):
    return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()


class _Call:
    """Pickles as a call of ``function(*args)``, as a tampered file would."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def test_loads_python2_batch_with_bytes_keys_and_uint8_array():
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    loaded = _load(py2_pickle({b"data": data, b"labels": [3, 9], b"batch_label": b"x"}))
    assert loaded[b"labels"] == [3, 9] and loaded[b"batch_label"] == b"x"
    assert loaded[b"data"].dtype == np.uint8
    np.testing.assert_array_equal(loaded[b"data"], data)


def test_loads_arrays_pickled_by_this_numpy():
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(_load(pickle.dumps({"a": array}, protocol=4))["a"], array)


@pytest.mark.parametrize(
    "payload",
    [
        _Call(os.system, "echo pwned"),
        _Call(builtins.eval, "1 + 1"),
        _Call(builtins.__import__, "subprocess"),
    ],
    ids=["os.system", "builtins.eval", "builtins.__import__"],
)
def test_refuses_any_other_callable(payload):
    data = pickle.dumps({b"data": payload}, protocol=4)
    name = payload.function.__name__
    with pytest.raises(pickle.UnpicklingError, match=f"refusing to load .*{name}"):
        _load(data)


def test_refused_callable_is_never_called(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps(_Call(os.system, f"touch {marker}"), protocol=4))
    with pytest.raises(pickle.UnpicklingError, match=f"{path}: refusing to load"):
        load_pickle(path)
    assert not marker.exists()
