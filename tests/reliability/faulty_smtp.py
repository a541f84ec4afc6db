"""An SMTP server (aiosmtpd) under the test's control: it misbehaves on a share of mails.

For each recipient, the first attempt draws one fault from a seeded generator: a 421 or a
451 answer, a connection dropped before the end of DATA, a stall longer than the client's
timeout (then a drop), or nothing; later attempts are accepted. Addresses in `reject` get a
550 every time. Nothing is saved for a mail that was not answered 250, so a mail counted
twice here was sent twice. Every accepted mail is kept with its arrival time.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.processes import free_port

FAULTS = ("421", "451", "drop", "stall")


@dataclass
class Accepted:
    at: float
    recipient: str


@dataclass
class FaultyHandler:
    fault_share: float
    stall_seconds: float
    seed: int = 6
    reject: set[str] = field(default_factory=set)
    accepted: list[Accepted] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    _attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self, recipient: str) -> str | None:
        with self._lock:
            self._attempts[recipient] += 1
            if self._attempts[recipient] > 1:
                return None
        draw = random.Random(f"{self.seed}:{recipient}")
        if draw.random() >= self.fault_share:
            return None
        return draw.choice(FAULTS)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.reject:
            self.injected["550"] += 1
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipient = envelope.rcpt_tos[0].lower()
        fault = self._fault(recipient)
        if fault is not None:
            self.injected[fault] += 1
        if fault == "421":
            return "421 4.3.2 Service not available, try again later"
        if fault == "451":
            return "451 4.3.0 Temporary local problem, try again later"
        if fault in ("drop", "stall"):
            if fault == "stall":
                await asyncio.sleep(self.stall_seconds)
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 Connection dropped by the test"
        with self._lock:
            self.accepted.append(Accepted(time.monotonic(), recipient))
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(a.recipient for a in self.accepted)

    def busiest_second(self) -> int:
        """Most mails accepted in any one-second window."""
        with self._lock:
            times = sorted(a.at for a in self.accepted)
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


@dataclass
class FaultySmtp:
    handler: FaultyHandler
    port: int = field(default_factory=free_port)
    _controller: Any = None

    def start(self) -> FaultySmtp:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
