"""The whole platform for the browser tests: its own nats-server, the SMTP sink, the four
services (annuaire, agenda, newsletter, ressources) as real processes, each knowing the
others' ports (pages link across services).

Its own nats-server (not the session's): the digest edition of a period is unique
(`2026-w48`), so another test's edition of this week must not stand in for ours.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from tests.support.nats_server import NatsServer
from tests.support.processes import free_port, wait_until
from tests.support.services import SERVICES, ServiceProcess, start_service_process
from tests.support.smtp import SmtpServer

LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class WebPlatform:
    """nats-server, SMTP sink and services; `url(name)` is where a browser reaches a service."""

    workdir: Path
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    nats: NatsServer | None = None
    smtp: SmtpServer | None = None
    running: dict[str, ServiceProcess] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.running[service].url

    def start(self) -> WebPlatform:
        self.nats = NatsServer(workdir=self.workdir / "nats").start()
        self.smtp = SmtpServer(maildir=self.workdir / "mail").start()
        ports = {name: free_port() for name in SERVICES}
        every_port = {f"VIEASSO_{name.upper()}_PORT": str(port) for name, port in ports.items()}
        for name in SERVICES:
            self.running[name] = start_service_process(
                name,
                nats_url=self.nats.url,
                workdir=self.workdir,
                admin_token=self.admin_token,
                smtp_port=self.smtp.port,
                port=ports[name],
                env={**every_port, "VIEASSO_DIGEST_SCHEDULE": "false"},
            )
        for svc in self.running.values():
            svc.wait_healthy(timeout=60)
        return self

    def stop(self) -> None:
        for svc in self.running.values():
            svc.stop()
        if self.smtp is not None:
            self.smtp.stop()
        if self.nats is not None:
            self.nats.stop()

    def mails_to(self, address: str) -> list[EmailMessage]:
        assert self.smtp is not None
        return [m for m in self.smtp.messages() if address in str(m["To"])]

    def wait_mail(self, address: str, subject_has: str = "", timeout: float = 30.0) -> EmailMessage:
        """The first mail to `address` whose subject contains `subject_has` (polls the sink)."""
        found: list[EmailMessage] = []

        def arrived() -> bool:
            found[:] = [m for m in self.mails_to(address) if subject_has in str(m["Subject"])]
            return bool(found)

        wait_until(arrived, timeout=timeout, interval=0.2, what=f"a mail to {address}")
        return found[0]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no text/plain part"
    return str(part.get_content())


def link_in(mail: EmailMessage, path: str) -> str:
    """The first link of the mail's text part whose path starts with `path`."""
    for url in LINK.findall(text_of(mail)):
        if f"/{path.lstrip('/')}" in url:
            return str(url)
    raise AssertionError(f"no link to {path} in the mail:\n{text_of(mail)}")
