"""``hb.load`` reads what ``hb.save`` and ``numpy.savez`` write, and refuses everything else with
one message naming the file, what is wrong with it and what to do."""

import zipfile

import numpy as np
import pytest

import hubel as hb


@pytest.fixture
def saved(tmp_path):
    """A file as a checkpoint is: nested dicts, a tensor, an array, numbers and a string."""
    path = tmp_path / "checkpoint.npz"
    state = {"model": {"fc.weight": hb.ones(3, 2)}, "rng": np.arange(4), "epoch": 2, "name": "x"}
    hb.save(state, path)
    return path


def test_round_trip_keeps_structure_and_values(saved):
    loaded = hb.load(saved)
    assert loaded["epoch"] == 2 and loaded["name"] == "x"
    np.testing.assert_array_equal(loaded["model"]["fc.weight"].detach().numpy(), np.ones((3, 2)))
    np.testing.assert_array_equal(loaded["rng"], np.arange(4))


def test_plain_numpy_savez_loads_as_a_dict_of_tensors(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.eye(2, dtype=np.float32), flags=np.array([True, False]))
    loaded = hb.load(path)
    assert set(loaded) == {"weight", "flags"}
    np.testing.assert_array_equal(loaded["weight"].detach().numpy(), np.eye(2))
    np.testing.assert_array_equal(loaded["flags"].detach().numpy(), [True, False])


def test_truncated_file_is_refused_naming_it(saved):
    saved.write_bytes(saved.read_bytes()[:300])
    with pytest.raises(
        ValueError,
        match=r"checkpoint.npz is truncated or corrupt \(the zip .*"
        r"ends early.*\); it cannot be read: rerun or restore it",
    ):
        hb.load(saved)


def test_flipped_bytes_fail_the_member_checksum(saved):
    data = bytearray(saved.read_bytes())
    start = data.index(b"\x93NUMPY") + 128  # inside the first array's values
    data[start : start + 8] = bytes(255 - byte for byte in data[start : start + 8])
    saved.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checkpoint.npz is truncated or corrupt .*CRC"):
        hb.load(saved)


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "the file is empty"), (bytes(4096), "zero bytes"), (b"\x80\x02}q\x00.", "not a zip")],
)
def test_empty_zero_filled_or_non_zip_file_is_corrupt_not_a_pickle(tmp_path, content, reason):
    path = tmp_path / "weights.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"weights.npz is truncated or corrupt .*{reason}") as info:
        hb.load(path)
    assert "allow_pickle" not in str(info.value)  # NumPy's advice to unpickle is wrong here


def test_torch_pth_file_points_to_the_torch_loader(tmp_path):
    path = tmp_path / "resnet18.pth"
    with zipfile.ZipFile(path, "w") as archive:  # the layout torch.save writes
        archive.writestr("resnet18/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("resnet18/data/0", bytes(16))
        archive.writestr("resnet18/version", b"3\n")
    with pytest.raises(
        ValueError, match="resnet18.pth: it is a PyTorch file .*load_torch_state_dict"
    ):
        hb.load(path)


def test_zip_of_other_files_is_refused(tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="notes.zip is a zip archive but not an .npz .*readme.txt"):
        hb.load(path)


@pytest.mark.parametrize(
    "array", [np.array([{"a": 1}, None], dtype=object), np.array(["ab", "c"]), np.array([b"x"])]
)
def test_object_string_and_bytes_arrays_are_refused(tmp_path, array):
    path = tmp_path / "odd.npz"
    np.savez(path, member=array)
    with pytest.raises(ValueError, match=f"odd.npz: member 'member.npy' holds .*{array.dtype}"):
        hb.load(path)


def test_save_refuses_string_arrays_that_load_would_refuse(tmp_path):
    with pytest.raises(TypeError, match="save: cannot store an array of dtype <U2 at names"):
        hb.save({"names": np.array(["ab"])}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_unreadable_structure_member_is_corrupt(tmp_path):
    path = tmp_path / "state.npz"
    np.savez(path, __hubel_tree__=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ValueError, match="state.npz is truncated or corrupt .*__hubel_tree__"):
        hb.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        hb.load(tmp_path / "absent.npz")
