"""Local SMTP sink: every mail accepted is saved as an .eml file (for `make run` and tests).

Run: ``python -m devtools.mailsink --port 1025 --maildir var/mail --web-port 1080``
(``--web-port 0``: no web view of the mails, see devtools/mailview.py).
Tests can make it misbehave: ``handler.fail_next["a@b.fr"] = 451`` answers 451 to the next
mail for that address (any code: 421 and 451 are temporary, 550 is a hard bounce).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from devtools.mailview import start_viewer

_REPLIES = {
    421: "421 4.3.2 Service not available, try again later",
    450: "450 4.2.1 Mailbox busy, try again later",
    451: "451 4.3.0 Temporary local problem, try again later",
    550: "550 5.1.1 No such user here",
    554: "554 5.7.1 Rejected by policy",
}


class MaildirHandler:
    """aiosmtpd handler writing each accepted mail to `maildir/<time>-<n>.eml`."""

    def __init__(self, maildir: Path, *, on_saved: Callable[[Path], None] | None = None) -> None:
        self.maildir = maildir
        self.on_saved = on_saved
        self.maildir.mkdir(parents=True, exist_ok=True)
        self.fail_next: dict[str, int] = {}
        self.accepted = 0
        self._counter = itertools.count()
        self._lock = threading.Lock()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        code = self.fail_next.pop(address.lower(), None)
        if code is not None:
            return _REPLIES.get(code, f"{code} Refused by the test")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self._lock:
            number = next(self._counter)
            self.accepted += 1
        name = f"{time.time_ns()}-{number:06d}.eml"
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(content)
        tmp.replace(self.maildir / name)
        if self.on_saved is not None:
            self.on_saved(self.maildir / name)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, maildir: Path, web_port: int = 0) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly (exit code 0)."""
    handler = MaildirHandler(maildir, on_saved=_announce)
    controller: Any = Controller(handler, hostname=host, port=port)
    controller.start()
    print(f"SMTP sink on {host}:{port}, mails saved under {maildir}/", flush=True)
    viewer = start_viewer(maildir, host, web_port) if web_port else None
    if viewer is not None:
        print(f"mail viewer on http://{host}:{web_port}/", flush=True)
    try:
        asyncio.run(_until_signal())
    finally:
        if viewer is not None:
            viewer.shutdown()
        controller.stop()


def _announce(path: Path) -> None:
    print(f"mail saved: {path}", flush=True)  # the file name only: no address, no subject


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=Path("var/mail"))
    parser.add_argument("--web-port", type=int, default=0, help="port of the web view (0: none)")
    args = parser.parse_args()
    serve(args.host, args.port, args.maildir, args.web_port)


if __name__ == "__main__":
    main()
