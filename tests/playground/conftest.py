"""A playground server on a free loopback port, in a thread, for the HTTP and browser tests."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")

from hubel.playground import create_app  # noqa: E402
from hubel.playground.server import bind, url_of  # noqa: E402


class LiveServer:
    """``create_app(**options)`` served by uvicorn on 127.0.0.1:<free port> until ``stop()``."""

    def __init__(self, **options) -> None:
        self.app = create_app(**options)
        self.socket = bind("127.0.0.1", 0)
        self.url = url_of(self.socket).rstrip("/")
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the playground server did not start within 10 s")
            time.sleep(0.02)

    def call(self, path: str, body=None, *, raw: bytes | None = None, headers=None):
        """(status, decoded JSON) of a POST with ``body`` as JSON (a GET without a body)."""
        data = raw if raw is not None else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            headers={"content-type": "application/json", **(headers or {})},
            method="POST" if data is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path: str):
        """The raw response of a GET: (status, headers, body bytes)."""
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.status, response.headers, response.read()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture(scope="module")
def live_server():
    server = LiveServer()
    yield server
    server.stop()
