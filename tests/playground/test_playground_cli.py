"""``hubel playground``: loopback by default, a warning off it, a busy port as one line, and a
clean stop on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from hubel.cli.main import main
from hubel.playground import server as server_module
from hubel.playground.server import bind, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.com", "::"])
def test_other_hosts_are_not_loopback(host):
    assert not is_loopback(host)


class _NoServer:
    """uvicorn.Server that returns at once: serve() without serving."""

    started = True

    def __init__(self, config):
        self.config = config

    def run(self, sockets):
        self.sockets = sockets


@pytest.mark.parametrize("host, warns", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_a_non_loopback_host_prints_a_warning(monkeypatch, capsys, host, warns):
    import uvicorn

    monkeypatch.setattr(uvicorn, "Server", _NoServer)
    assert main(["playground", "--host", host, "--port", "0", "--no-browser"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("hubel playground at http://127.0.0.1:")  # 0.0.0.0 is reached so
    assert (
        "warning: --host 0.0.0.0 makes the playground reachable from other machines" in err
    ) is warns


def test_the_browser_opens_once_the_server_has_started(monkeypatch, capsys):
    import uvicorn

    opened = []
    monkeypatch.setattr(uvicorn, "Server", _NoServer)
    monkeypatch.setattr(server_module.webbrowser, "open", opened.append)
    monkeypatch.setattr(server_module.threading, "Thread", _Inline)
    assert main(["playground", "--port", "0"]) == 0
    assert len(opened) == 1 and opened[0].startswith("http://127.0.0.1:")


class _Inline:
    def __init__(self, target, args, daemon):
        self.target, self.args = target, args

    def start(self):
        self.target(*self.args)


def test_a_busy_port_is_one_line(capsys):
    busy = bind("127.0.0.1", 0)
    try:
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 2
    finally:
        busy.close()
    err = capsys.readouterr().err
    assert err.startswith(f"error: --host 127.0.0.1 --port {port}: cannot listen there (")
    assert "choose another port with --port (0 picks a free one)" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_port_out_of_range_is_refused(capsys):
    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "error: --port: expected an integer in [0, 65535], got 70000" in capsys.readouterr().err


def test_missing_extra_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    assert main(["playground", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err == "error: hubel playground needs uvicorn: pip install 'hubel[playground]'\n"


def test_ctrl_c_stops_the_server_cleanly():
    process = subprocess.Popen(
        [sys.executable, "-m", "hubel.cli.main", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("hubel playground at http://127.0.0.1:"), line
        port = int(line.split(":")[2].split("/")[0])
        deadline = time.monotonic() + 20
        while True:  # serving: the API answers
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/fields", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert out == "hubel playground stopped\n"
    assert "Traceback" not in err
