"""Starting real processes for tests: free ports, waiting with a deadline, clean stops."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"


_GIVEN: set[int] = set()


def _kernel_port() -> int:
    """A port of 127.0.0.1 the kernel says is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_port() -> int:
    """A port of 127.0.0.1 free now and never given before by this process.

    The kernel may hand out the same free port twice in a row, and a service binds its port
    a moment after it is chosen: two services started one after the other once both got
    39893, and granian binds with SO_REUSEPORT, so both listened and shared the connections
    (test_replicas.py compared B's annuaire with B's newsletter: « annuaire: 148 differ »).
    Since then the services also refuse a port another process listens on (server.py)."""
    while (port := _kernel_port()) in _GIVEN:
        pass
    _GIVEN.add(port)
    return port


def wait_until(
    condition: Callable[[], bool], *, timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> None:
    """Poll `condition` until it is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what or condition}")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


class Process:
    """A child process with its output in a log file, stopped by SIGTERM then SIGKILL."""

    def __init__(
        self, argv: Sequence[str], *, log: Path, env: dict[str, str] | None = None, cwd: Path = REPO
    ) -> None:
        self.argv = list(argv)
        self.log_path = log
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10.0) -> int | None:
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """kill -9 the whole process group (granian's workers included)."""
        return self._signal(signal.SIGKILL, 5.0)

    def _signal(self, sig: signal.Signals, timeout: float) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        return self.popen.returncode
