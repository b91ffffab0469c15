"""Downloads: verified before they take their final name, resumed with Range, atomic."""

import hashlib
import io
import socket
import tarfile

import pytest

from hubel.data.download import ChecksumError, DownloadError, RemoteFile, download, verify
from hubel.data.extract import UnsafeArchiveError, extract_folder

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


def _remote(server, **overrides) -> RemoteFile:
    server.files["/file.bin"] = PAYLOAD
    fields = {"md5": hashlib.md5(PAYLOAD).hexdigest(), "size": len(PAYLOAD)} | overrides
    return RemoteFile(server.url("/file.bin"), "file.bin", **fields)


def test_download_verifies_and_renames(server, tmp_path):
    path = download(_remote(server), tmp_path / "cache")
    assert path == tmp_path / "cache" / "file.bin"
    assert path.read_bytes() == PAYLOAD
    assert not (tmp_path / "cache" / "file.bin.part").exists()


def test_download_with_progress_bar_gives_the_same_file(server, tmp_path, capsys):
    path = download(_remote(server), tmp_path, progress=True)
    assert path.read_bytes() == PAYLOAD
    assert "file.bin" in capsys.readouterr().out


def test_download_with_wrong_md5_leaves_no_file(server, tmp_path):
    remote = _remote(server, md5="0" * 32)
    with pytest.raises(ChecksumError, match="md5 .*expected 0{32}.*deleted"):
        download(remote, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_resumes_after_hang_up_within_one_call(server, tmp_path):
    server.hang_up_after = 3000
    path = download(_remote(server), tmp_path)
    assert path.read_bytes() == PAYLOAD
    assert [header for _, header in server.requests] == [None, "bytes=3000-"]


def test_interrupted_download_leaves_only_part_then_resumes(server, tmp_path):
    remote = _remote(server)
    server.hang_up_after = 4096
    with pytest.raises(DownloadError, match="closed after 4,096 of 10,240 bytes"):
        download(remote, tmp_path, attempts=1)
    assert not (tmp_path / "file.bin").exists()
    assert (tmp_path / "file.bin.part").read_bytes() == PAYLOAD[:4096]
    assert download(remote, tmp_path).read_bytes() == PAYLOAD
    assert server.requests[-1][1] == "bytes=4096-"


def test_server_ignoring_range_restarts_from_scratch(server, tmp_path):
    remote = _remote(server)
    server.ranges = False
    (tmp_path / "file.bin.part").write_bytes(b"garbage")
    assert download(remote, tmp_path).read_bytes() == PAYLOAD


def test_unreachable_server_raises_one_message_with_hint(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remote = RemoteFile(f"http://127.0.0.1:{port}/x.bin", "x.bin", "0" * 32, 10)
    with pytest.raises(DownloadError, match="could not download .*x.bin.*\nby hand") as info:
        download(remote, tmp_path, attempts=2, hint="by hand")
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not (tmp_path / "x.bin").exists()


def test_verify_deletes_a_corrupt_placed_file(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(PAYLOAD[:-1])
    with pytest.raises(ChecksumError, match="size 10,239 bytes, expected 10,240"):
        verify(path, RemoteFile("http://unused", "file.bin", "0" * 32, len(PAYLOAD)))
    assert not path.exists()


def _tar_with(tmp_path, name, kind="file"):
    archive = tmp_path / "bad.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(name)
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info, io.BytesIO(b""))
    return archive


@pytest.mark.parametrize(
    "name, kind, reason",
    [
        ("/top/evil", "file", "escapes"),
        ("top/../../evil", "file", "escapes"),
        ("top/link", "symlink", "not a plain file"),
        ("other/file", "file", "under top/"),
    ],
)
def test_extract_refuses_unsafe_members_and_writes_nothing(tmp_path, name, kind, reason):
    archive = _tar_with(tmp_path, name, kind)
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(UnsafeArchiveError, match=reason):
        extract_folder(archive, destination, "top")
    assert list(destination.iterdir()) == []
