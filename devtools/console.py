"""`make run`'s terminal: honcho's prefixed output, plus one log file per process under var/log/."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO, Any

from honcho.printer import Printer


class _TeePrinter(Printer):  # type: ignore[misc] # honcho is untyped
    """honcho's Printer that also writes each process's lines to `<logdir>/<name>.log`."""

    def __init__(self, console: Console) -> None:
        super().__init__(console.output)
        self.console = console

    def write(self, message: Any) -> None:
        with self.console.lock:
            super().write(message)
            if message.type == "line" and message.name and message.name != "system":
                self.console.append_log(message.name, message.data)


class Console:
    """Serialises what the health thread and honcho's loop print."""

    def __init__(self, output: IO[str], logdir: Path) -> None:
        self.output = output
        self.logdir = logdir
        self.lock = threading.RLock()
        self.printer = _TeePrinter(self)
        self._logs: dict[str, IO[bytes]] = {}

    def say(self, text: str) -> None:
        with self.lock:
            print(text, file=self.output, flush=True)

    def log_path(self, name: str) -> Path:
        return self.logdir / f"{name}.log"

    def append_log(self, name: str, data: bytes | str) -> None:
        log = self._logs.get(name)
        if log is None:  # one log per run: truncated when the process first writes
            self.logdir.mkdir(parents=True, exist_ok=True)
            log = self._logs[name] = self.log_path(name).open("wb")
        log.write(data if isinstance(data, bytes) else data.encode())
        log.flush()
