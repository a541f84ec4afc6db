"""A real SMTP server (aiosmtpd) for tests: captures every mail, can be told to misbehave."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devtools.mailsink import MaildirHandler
from tests.support.processes import free_port


@dataclass
class SmtpServer:
    """aiosmtpd in a thread of the test process, saving each mail as .eml under `maildir`.

    `handler.fail_next[address] = code` makes the server answer `code` (e.g. 451, 550)
    for the next mail to that address.
    """

    maildir: Path
    port: int = 0
    handler: MaildirHandler = field(init=False)
    _controller: Any = None

    def start(self) -> SmtpServer:
        self.port = self.port or free_port()
        self.handler = MaildirHandler(self.maildir)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        result = []
        for path in sorted(self.maildir.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            result.append(msg)
        return result
