"""CIFAR-10 from a small archive in the official format, served from 127.0.0.1."""

import pickle
import socket

import numpy as np
import pytest
from cifar_archive import py2_pickle

from hubel.data import CIFAR10, ChecksumError, DownloadError
from hubel.data.cifar import CLASSES, data_root
from hubel.data.download import RemoteFile

ARCHIVE_PATH = "/cifar-10-python.tar.gz"


def _serve(server, fake_cifar, md5=None) -> RemoteFile:
    server.files[ARCHIVE_PATH] = fake_cifar.archive
    return fake_cifar.remote(server.url(ARCHIVE_PATH), md5)


def _closed_port_remote(fake_cifar) -> RemoteFile:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return fake_cifar.remote(f"http://127.0.0.1:{port}{ARCHIVE_PATH}")


def test_download_extract_and_parse_round_trip_exactly(server, fake_cifar, tmp_path):
    remote = _serve(server, fake_cifar)
    train = CIFAR10(tmp_path, train=True, _remote=remote)
    test = CIFAR10(tmp_path, train=False, _remote=remote)
    assert train.arrays[0].dtype == np.uint8 and train.arrays[0].shape == (20, 3, 32, 32)
    np.testing.assert_array_equal(train.arrays[0], fake_cifar.train_images)
    np.testing.assert_array_equal(train.arrays[1], fake_cifar.train_labels)
    np.testing.assert_array_equal(test.arrays[0], fake_cifar.test_images)
    np.testing.assert_array_equal(test.arrays[1], fake_cifar.test_labels)
    assert train.arrays[1].dtype == np.int64
    assert train.classes == CLASSES
    assert (tmp_path / "cifar-10-python.tar.gz").is_file()
    assert len(server.requests) == 1  # the second dataset reused the extracted folder


def test_nhwc_layout_moves_channels_last(server, fake_cifar, tmp_path):
    nhwc = CIFAR10(tmp_path, train=False, layout="NHWC", _remote=_serve(server, fake_cifar))
    assert nhwc.arrays[0].shape == (3, 32, 32, 3)
    # Pixel (row 5, column 7) of image 2: red, green, blue from the three planes.
    np.testing.assert_array_equal(nhwc.arrays[0][2, 5, 7], fake_cifar.test_images[2, :, 5, 7])


def test_pixel_planes_follow_the_official_row_layout(server, fake_cifar, tmp_path):
    test = CIFAR10(tmp_path, train=False, _remote=_serve(server, fake_cifar))
    flat = fake_cifar.test_images.reshape(3, 3072)
    # Official layout: value 1024 * channel + 32 * row + column of each 3072-byte row.
    assert test.arrays[0][1, 2, 3, 4] == flat[1, 1024 * 2 + 32 * 3 + 4]


def test_existing_extracted_folder_is_used_without_network(fake_cifar, tmp_path):
    fake_cifar.write_folder(tmp_path)
    test = CIFAR10(tmp_path, train=False, _remote=_closed_port_remote(fake_cifar))
    np.testing.assert_array_equal(test.arrays[0], fake_cifar.test_images)
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()


def test_missing_meta_falls_back_to_known_class_names(fake_cifar, tmp_path):
    (fake_cifar.write_folder(tmp_path) / "batches.meta").unlink()
    assert CIFAR10(tmp_path, train=False, download=False).classes == CLASSES


def test_class_names_come_from_batches_meta(fake_cifar, tmp_path):
    folder = fake_cifar.write_folder(tmp_path)
    names = [f"class {index}".encode() for index in range(10)]
    (folder / "batches.meta").write_bytes(py2_pickle({b"label_names": names}))
    assert CIFAR10(tmp_path, train=False, download=False).classes[9] == "class 9"


def test_checksum_failure_leaves_no_archive_and_no_folder(server, fake_cifar, tmp_path):
    remote = _serve(server, fake_cifar, md5="f" * 32)
    with pytest.raises(ChecksumError, match="cifar-10-python.tar.gz.part is corrupt"):
        CIFAR10(tmp_path, _remote=remote)
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_resume_after_server_hangs_up_mid_file(server, fake_cifar, tmp_path):
    remote = _serve(server, fake_cifar)
    server.hang_up_after = len(fake_cifar.archive) // 3
    test = CIFAR10(tmp_path, train=False, _remote=remote)
    np.testing.assert_array_equal(test.arrays[0], fake_cifar.test_images)
    assert server.requests[1][1] == f"bytes={len(fake_cifar.archive) // 3}-"


def test_no_network_gives_one_message_saying_where_to_put_files(fake_cifar, tmp_path):
    with pytest.raises(DownloadError) as info:
        CIFAR10(tmp_path, _remote=_closed_port_remote(fake_cifar))
    message = str(info.value)
    assert "could not download" in message
    assert str(tmp_path / "cifar-10-python.tar.gz") in message
    assert str(tmp_path / "cifar-10-batches-py") in message
    assert "HUBEL_DATA" in message
    assert info.value.__suppress_context__
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()


def test_download_false_without_files_explains_instead(fake_cifar, tmp_path):
    with pytest.raises(FileNotFoundError, match="download=False(.|\n)*save it as"):
        CIFAR10(tmp_path, download=False, _remote=_closed_port_remote(fake_cifar))


def test_corrupt_placed_archive_is_deleted_with_clear_error(fake_cifar, tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(fake_cifar.archive[:-10])
    with pytest.raises(ChecksumError, match="corrupt .*deleted"):
        CIFAR10(tmp_path, _remote=_closed_port_remote(fake_cifar))
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()


def test_placed_archive_is_checked_then_extracted_without_network(fake_cifar, tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(fake_cifar.archive)
    train = CIFAR10(tmp_path, _remote=_closed_port_remote(fake_cifar))
    np.testing.assert_array_equal(train.arrays[1], fake_cifar.train_labels)


def test_incomplete_extracted_folder_is_reported(fake_cifar, tmp_path):
    (fake_cifar.write_folder(tmp_path) / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="lacks data_batch_3"):
        CIFAR10(tmp_path, download=False)


def test_malicious_batch_is_refused(fake_cifar, tmp_path):
    folder = fake_cifar.write_folder(tmp_path)

    class Exploit:
        def __reduce__(self):
            return (__import__("os").system, ("echo pwned > " + str(tmp_path / "pwned"),))

    (folder / "test_batch").write_bytes(pickle.dumps({b"data": Exploit()}, protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="test_batch: refusing to load .*system"):
        CIFAR10(tmp_path, train=False, download=False)
    assert not (tmp_path / "pwned").exists()


def test_root_precedence_argument_then_env_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HUBEL_DATA", raising=False)
    assert data_root() == tmp_path / "home" / ".cache" / "hubel"
    monkeypatch.setenv("HUBEL_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="layout: expected 'NCHW' or 'NHWC', got 'CHW'"):
        CIFAR10(tmp_path, layout="CHW")
    with pytest.raises(TypeError, match="train: expected True or False, got 'yes'"):
        CIFAR10(tmp_path, train="yes")
