"""A restore followed by the replay of the departures made after the backup (issue 12,
item 8): restoring a backup taken before an erasure must not bring the erased person back,
nor one taken before an unsubscription the unsubscribed one.

A and B subscribe and confirm; the platform is backed up; A erases their data and B
unsubscribes; the backup is restored in place (``restore --replace``: the server's
``NEWSLETTER`` stream, which holds the departures, is kept). The restored bucket has A and
B active again; once the newsletter has started, A is gone and B is unsubscribed, and B's
old confirmation link brings nobody back.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import nats
import pytest
from nats.js.errors import KeyNotFoundError

from tests.platform.conftest import Scenario
from tests.platform.test_backup_restore import backup_cli
from tests.support.nats_server import NatsServer
from tests.support.processes import wait_until
from tests.support.services import ServiceProcess, start_service_process
from tests.support.smtp import SmtpServer
from vieasso.newsletter.adapters.subscribers import BUCKET, index_key, record_key

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(300)]

CONFIRM = re.compile(r"http\S+/abonnement/confirmer\?token=[\w.=-]+")
MANAGE = re.compile(r'href="[^"]*/preferences\?token=([\w.=-]+)"')


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail").start()
    yield server
    server.stop()


class Newsletter:
    """The newsletter service as a process, started again on the same server."""

    def __init__(self, nats_url: str, workdir: Path, smtp: SmtpServer) -> None:
        self.nats_url, self.workdir, self.smtp = nats_url, workdir, smtp
        self.secret = secrets.token_urlsafe(32)
        self.process: ServiceProcess | None = None

    def start(self) -> Newsletter:
        self.process = start_service_process(
            "newsletter", nats_url=self.nats_url, workdir=self.workdir, smtp_port=self.smtp.port,
            env={"VIEASSO_TOKEN_SECRET": self.secret, "VIEASSO_DIGEST_SCHEDULE": "false"},
        ).wait_healthy(timeout=60)  # fmt: skip
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def here(self, url: str) -> str:
        """A link of a mail, on this run's port (the service restarts on another one)."""
        assert self.process is not None
        parts = urlsplit(url)
        return f"{self.process.url}{parts.path}?{parts.query}"

    def subscribe(self, email: str) -> tuple[str, str]:
        """Subscribe and confirm `email`: (its confirmation link, its manage token)."""
        assert self.process is not None
        answer = httpx.post(f"{self.process.url}/api/subscriptions", json={"email": email})
        assert answer.status_code == 202, answer.text
        mails: list[str] = []

        def mailed() -> bool:
            mails[:] = [
                str(m.get_body(("plain",)).get_content())  # type: ignore[union-attr]
                for m in self.smtp.messages()
                if m["To"] == email
            ]
            return bool(mails)

        wait_until(mailed, timeout=30, what=f"the confirmation mail to {email}")
        found = CONFIRM.search(mails[0])
        assert found is not None
        confirmed = httpx.post(self.here(found.group(0)))
        assert confirmed.status_code == 200, confirmed.text
        manage = MANAGE.search(confirmed.text)
        assert manage is not None, confirmed.text
        return found.group(0), manage.group(1).replace("&amp;", "&")


async def record(nats_url: str, email: str) -> dict[str, object] | None:
    """The subscriber's stored record (through the address index), or None."""
    nc = await nats.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        try:
            subscriber_id = (await kv.get(index_key(email))).value or b""
            entry = await kv.get(record_key(subscriber_id.decode()))
        except KeyNotFoundError:
            return None
        found: dict[str, object] = json.loads(entry.value or b"{}")
        return found
    finally:
        await nc.close()


async def departure_facts(nats_url: str) -> list[bytes]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe("newsletter.subscribers.>", stream="NEWSLETTER")
        messages = await sub.fetch(10, timeout=5)
        return [m.data for m in messages]
    finally:
        await nc.close()


def state(nats_url: str, email: str) -> object:
    found = asyncio.run(record(nats_url, email))
    return None if found is None else found["state"]


def test_restore_then_replay_keeps_the_erased_erased_and_the_unsubscribed_unsubscribed(
    tmp_path: Path, smtp: SmtpServer, scenario: Scenario
) -> None:
    scenario.describe(
        name="Restore of a backup older than an erasure and an unsubscription",
        load="2 confirmed subscribers",
        faults="backup; then A erases their data, B unsubscribes; restore --replace in place",
        inputs="python -m vieasso.common.backup backup / restore --replace; newsletter restarted",
        checked="restore without --replace refused, nothing changed; the restored bucket has "
        "A and B active; after the newsletter's start A's record and address index are gone, "
        "B is unsubscribed, B's old confirmation link answers 410; the departure facts carry "
        "no address",
    )
    server = NatsServer(workdir=tmp_path / "nats").start()
    newsletter = Newsletter(server.url, tmp_path / "services", smtp)
    a, b = (f"{who}-{secrets.token_hex(4)}@example.org" for who in ("a", "b"))
    try:
        newsletter.start()
        _, a_manage = newsletter.subscribe(a)
        b_confirm, b_manage = newsletter.subscribe(b)
        saved = backup_cli(server.url, "backup", str(tmp_path / "backup"))
        assert saved.returncode == 0, saved.stderr

        base = newsletter.here("http://x/?")
        erased = httpx.delete(f"{base.rstrip('/?')}/api/subscriptions/me?token={a_manage}")
        assert erased.status_code == 204, erased.text
        left = httpx.post(newsletter.here(f"http://x/desabonnement?token={b_manage}&gestion=1"))
        assert left.status_code == 200, left.text
        assert (state(server.url, a), state(server.url, b)) == (None, "unsubscribed")
        newsletter.stop()

        refused = backup_cli(server.url, "restore", str(tmp_path / "backup"))
        assert refused.returncode == 1  # streams already there: refused before any change
        assert "--replace" in refused.stderr
        assert (state(server.url, a), state(server.url, b)) == (None, "unsubscribed")
        restored = backup_cli(server.url, "restore", str(tmp_path / "backup"), "--replace")
        assert restored.returncode == 0, restored.stderr
        assert "NEWSLETTER" in restored.stdout  # kept, not restored from the backup
        assert (state(server.url, a), state(server.url, b)) == ("active", "active")

        newsletter.start()
        assert state(server.url, a) is None
        assert asyncio.run(record(server.url, b)) is not None
        assert state(server.url, b) == "unsubscribed"
        again = httpx.post(newsletter.here(b_confirm))
        assert again.status_code == 410
        assert state(server.url, b) == "unsubscribed"
        facts = asyncio.run(departure_facts(server.url))
        assert len(facts) == 2
        assert all(b"@" not in fact for fact in facts)
    finally:
        newsletter.stop()
        server.stop()
