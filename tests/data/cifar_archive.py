"""Test helpers: a small CIFAR-10 archive in the official format, and a local HTTP server
(with Range requests and a one-time hang-up) to download it from. Nothing reaches the internet."""

from __future__ import annotations

import hashlib
import http.server
import io
import struct
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hubel.data.cifar import CLASSES
from hubel.data.download import RemoteFile

CIFAR_FOLDER = "cifar-10-batches-py"
LABEL_NAMES = [name.encode() for name in CLASSES]


def py2_pickle(value: object) -> bytes:
    """Pickle ``value`` the way Python 2's cPickle (protocol 2) wrote the official CIFAR batches:
    str as BINSTRING (read back as bytes with ``encoding="bytes"``) and NumPy arrays through
    ``numpy.core.multiarray._reconstruct``. Handles dict, list, bytes, int and 2-D uint8 arrays."""
    return b"\x80\x02" + _py2(value) + b"."


def _py2(value: object) -> bytes:
    if isinstance(value, dict):
        items = b"".join(_py2(key) + _py2(item) for key, item in value.items())
        return b"}(" + items + b"u"
    if isinstance(value, list):
        return b"](" + b"".join(_py2(item) for item in value) + b"e"
    if isinstance(value, bytes):
        if len(value) < 256:
            return b"U" + bytes([len(value)]) + value
        return b"T" + struct.pack("<i", len(value)) + value
    if isinstance(value, int):
        return b"J" + struct.pack("<i", value)
    if isinstance(value, np.ndarray):
        assert value.dtype == np.uint8 and value.ndim == 2
        dtype = (
            b"cnumpy\ndtype\n" + _py2(b"u1") + b"K\x00K\x01\x87R"
            b"(K\x03" + _py2(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        )
        shape = _py2(value.shape[0]) + _py2(value.shape[1]) + b"\x86"
        state = b"(K\x01" + shape + dtype + b"\x89" + _py2(value.tobytes()) + b"tb"
        return (
            b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
            + _py2(b"b")
            + b"\x87R"
            + state
        )
    raise TypeError(f"py2_pickle: unsupported type {type(value).__name__}")


@dataclass
class FakeCifar:
    """A small CIFAR-10 archive: ``train_images`` (5 batches of ``per_batch``) and
    ``test_images`` as uint8 (N, 3, 32, 32), with their labels, and its ``remote`` description."""

    archive: bytes
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    md5: str = field(init=False)

    def __post_init__(self) -> None:
        self.md5 = hashlib.md5(self.archive).hexdigest()

    def remote(self, url: str, md5: str | None = None) -> RemoteFile:
        return RemoteFile(url, "cifar-10-python.tar.gz", md5 or self.md5, len(self.archive))

    def write_folder(self, root: Path) -> Path:
        """Extract the archive into ``root`` (as torchvision leaves it) and return the folder."""
        with tarfile.open(fileobj=io.BytesIO(self.archive)) as tar:
            tar.extractall(root, filter="data")
        return root / CIFAR_FOLDER


def _batch_files(images: np.ndarray, labels: np.ndarray, name: str) -> bytes:
    return py2_pickle(
        {
            b"batch_label": name.encode(),
            b"labels": [int(label) for label in labels],
            b"data": images.reshape(len(images), -1),
            b"filenames": [f"image_{index}.png".encode() for index in range(len(images))],
        }
    )


def make_fake_cifar(per_batch: int = 4, test_size: int = 3, seed: int = 0) -> FakeCifar:
    rng = np.random.default_rng(seed)
    train = rng.integers(0, 256, size=(5 * per_batch, 3, 32, 32), dtype=np.uint8)
    train_labels = rng.integers(0, 10, size=5 * per_batch)
    test = rng.integers(0, 256, size=(test_size, 3, 32, 32), dtype=np.uint8)
    test_labels = rng.integers(0, 10, size=test_size)
    files = {
        f"data_batch_{n + 1}": _batch_files(
            train[n * per_batch : (n + 1) * per_batch],
            train_labels[n * per_batch : (n + 1) * per_batch],
            f"training batch {n + 1} of 5",
        )
        for n in range(5)
    }
    files["test_batch"] = _batch_files(test, test_labels, "testing batch 1 of 1")
    meta = {b"label_names": LABEL_NAMES, b"num_cases_per_batch": per_batch, b"num_vis": 3072}
    files["batches.meta"] = py2_pickle(meta)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        folder = tarfile.TarInfo(CIFAR_FOLDER)
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        for name, content in files.items():
            info = tarfile.TarInfo(f"{CIFAR_FOLDER}/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return FakeCifar(buffer.getvalue(), train, train_labels, test, test_labels)


class FileServer:
    """Serves ``files`` (path -> bytes) on 127.0.0.1. ``hang_up_after`` (bytes): the next
    response stops there and the connection closes, once. ``ranges``: honour Range requests.
    ``requests`` records each request's path and Range header."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hang_up_after: int | None = None
        self.ranges = True
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                range_header = self.headers.get("Range")
                server.requests.append((self.path, range_header))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                if range_header and server.ranges:
                    start = int(range_header.removeprefix("bytes=").split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = server.hang_up_after
                if cut is not None:
                    server.hang_up_after = None
                    self.wfile.write(body[start : start + cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body[start:])

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
