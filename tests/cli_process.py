"""Run the real ``hubel`` command in a subprocess, optionally as after a plain ``pip install
hubel`` (without rich and matplotlib), and check that a failure is one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# Runs ``hubel ARGS`` with the modules named in HUBEL_TEST_BLOCKED made unimportable: a None
# in sys.modules makes ``import rich`` (and ``from rich.table import ...``) raise ImportError,
# as on a machine where the package was never installed. HUBEL_TEST_PRELUDE is code run first
# (e.g. to make a step slow enough to interrupt).
_WRAPPER = """
import os, sys
for name in filter(None, os.environ.pop("HUBEL_TEST_BLOCKED", "").split(",")):
    sys.modules[name] = None
exec(os.environ.pop("HUBEL_TEST_PRELUDE", ""))
from hubel.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
PLAIN_INSTALL = ("rich", "matplotlib", "PIL")


def hubel_command(
    args: Sequence[str], blocked: Sequence[str] = (), prelude: str = ""
) -> tuple[list[str], dict]:
    """The argv and environment that run ``hubel args...`` with ``blocked`` modules missing,
    after running the Python code ``prelude``."""
    env = {**os.environ, "HUBEL_TEST_BLOCKED": ",".join(blocked), "COLUMNS": "200"}
    env["HUBEL_TEST_PRELUDE"] = prelude
    env.pop("HUBEL_DEBUG", None)
    return [sys.executable, "-c", _WRAPPER, *map(str, args)], env


def run_hubel(
    *args: str | Path,
    blocked: Sequence[str] = (),
    cwd: str | Path | None = None,
    stdin: str = "",
    env: dict | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """Run ``hubel args...`` to the end; stdout and stderr as text."""
    argv, environment = hubel_command(args, blocked)
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environment, **(env or {})},
        timeout=timeout,
    )


def interrupt_hubel(
    *args: str | Path,
    ready: str,
    prelude: str = "",
    cwd: str | Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess:
    """Start ``hubel args...`` (after ``prelude``), wait until ``ready`` appears on its stderr,
    send SIGINT (as Ctrl-C does) and return how it ended."""
    argv, env = hubel_command(args, prelude=prelude)
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = ""
    deadline = time.monotonic() + timeout
    while ready not in seen:
        line = process.stderr.readline()
        if not line or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"never saw {ready!r}; stderr: {seen}{process.stderr.read()}")
        seen += line
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(argv, process.returncode, stdout, seen + stderr)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit code 2, no traceback, and stderr one ``error: ...`` line holding every fragment."""
    message = result.stderr.strip()
    assert result.returncode == 2, (result.returncode, result.stdout, message)
    assert "Traceback" not in message, message
    assert message.startswith("error: ") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message
