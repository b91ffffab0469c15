"""Serving the playground: bind the port, warn off the loopback, open the browser, stop cleanly.

uvicorn runs the app on a socket bound here first, so that a port in use is one clear error
before anything starts, and ``port=0`` picks a free port. Ctrl-C stops it (uvicorn finishes
the request in progress, at most one training budget, then exits).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
import webbrowser

from .app import create_app

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), or an ``OSError`` saying which port and what to do."""
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"--port: expected an integer in [0, 65535], got {port!r}")
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as error:
        raise OSError(
            f"--host {host} --port {port}: cannot listen there ({error.strerror or error}); "
            "choose another port with --port (0 picks a free one)"
        ) from None
    return sock


def url_of(sock: socket.socket) -> str:
    """The page's address on a bound socket, e.g. ``http://127.0.0.1:8000/``; listening on
    every address (0.0.0.0 or ::), this machine's browser reaches it through the loopback."""
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host).is_unspecified:
        host = "127.0.0.1" if sock.family == socket.AF_INET else "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> None:
    """Run the playground until Ctrl-C; a non-loopback ``host`` prints a warning first."""
    import uvicorn

    if not is_loopback(host):
        print(
            f"warning: --host {host} makes the playground reachable from other machines; it "
            "trains whatever they send on this computer's CPU. Use it on a trusted network only.",
            file=sys.stderr,
        )
    sock = bind(host, port)
    try:
        allowed = None if is_loopback(host) else ["*"]
        config = uvicorn.Config(
            create_app(allowed_hosts=allowed), log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        url = url_of(sock)
        print(f"hubel playground at {url} (Ctrl-C stops it)", flush=True)
        if open_browser:
            threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down: the normal end
        pass
    finally:
        sock.close()
    print("hubel playground stopped", flush=True)


def _open_when_started(server, url: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
