"""kill -9 the newsletter while it sends the annuaire's mails, while the annuaire asks for
them again: each key is mailed at most once, and every key not in doubt is mailed.

The SMTP server takes `DATA_SECONDS` to answer each mail, so that the kill lands while
mails are on the wire: those are the keys in doubt (ledger `sending`), never sent again.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from nats.js import JetStreamContext

from devtools.mailsink import MaildirHandler
from tests.newsletter.conftest import random_email
from tests.newsletter.courrier_support import (
    annuaire_publish,
    polled,
    put_association,
    read_stream,
    republish,
    welcome_params,
)
from tests.support.nats_server import NatsServer
from tests.support.processes import free_port, wait_until
from tests.support.services import ServiceProcess, StartService
from tests.support.smtp import SmtpServer
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import CourrierRequest, Template, ToAssociation
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.slow]

KEYS = 40
POOL = 2
DATA_SECONDS = 0.3


class SlowHandler(MaildirHandler):
    """Saves each mail `DATA_SECONDS` after its data came (a slow relay)."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(DATA_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail", port=free_port())
    server.handler = SlowHandler(server.maildir)
    controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
async def own_js(tmp_path: Path) -> AsyncIterator[tuple[str, JetStreamContext]]:
    """A nats-server of this test's own (no other newsletter takes its requests)."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    nc = await nats.connect(server.url)
    try:
        js = nc.jetstream()
        await provision(js, replicas=1)
        yield server.url, js
    finally:
        await nc.close()
        server.stop()


def newsletter(start: StartService, url: str, smtp: SmtpServer, secret: str) -> ServiceProcess:
    env = {
        "VIEASSO_SMTP_POOL_SIZE": str(POOL),
        "VIEASSO_SEND_ACK_WAIT": "3",
        "VIEASSO_TOKEN_SECRET": secret,
        "VIEASSO_DIGEST_SCHEDULE": "false",
        "VIEASSO_LOG_LEVEL": "DEBUG",
    }
    return start("newsletter", nats_url=url, smtp_port=smtp.port, env=env)


async def test_killed_newsletter_mails_each_requested_key_at_most_once_and_loses_none(
    own_js: tuple[str, JetStreamContext], slow_smtp: SmtpServer, start_service: StartService
) -> None:
    smtp_server = slow_smtp
    url, js = own_js
    email = random_email("contact")
    slug = await put_association(js, name="Les Amis du Doubs", email=email)
    until = datetime.now(UTC) + timedelta(days=7)
    keys = [f"validation.{n}-{secrets.token_hex(3)}" for n in range(KEYS)]
    requests: list[CourrierRequest] = []
    for key in keys:
        request = await request_mail(
            annuaire_publish(js), "annuaire", key=key, to=ToAssociation(association=slug),
            template=Template.BIENVENUE, params=welcome_params(until),
        )  # fmt: skip
        requests.append(request)
        await republish(js, request)  # a duplicate beyond JetStream's window
    secret = secrets.token_urlsafe(24)

    first = newsletter(start_service, url, smtp_server, secret)
    try:
        wait_until(lambda: smtp_server.handler.accepted >= KEYS // 4, timeout=90)
    finally:
        first.process.kill()
    killed_at = smtp_server.handler.accepted
    assert killed_at < KEYS, "the newsletter was not killed mid-send"
    for request in requests:  # the annuaire asks again while the newsletter is down
        await republish(js, request)
    second = newsletter(start_service, url, smtp_server, secret).wait_healthy(60)

    async def queue_empty() -> bool:
        return (await js.stream_info("COURRIER")).state.messages == 0

    await polled(queue_empty, seconds=120)
    mailed = Counter(
        str(m["Message-ID"]).removeprefix("<courrier.annuaire.").split("@")[0]
        for m in smtp_server.messages()
    )
    assert set(mailed) <= set(keys)
    assert max(mailed.values()) == 1, "a key was mailed twice"
    ledger = await js.key_value("newsletter_deliveries")
    states = {
        key: LedgerEntry.model_validate_json(
            (await ledger.get(f"courrier.annuaire.{key}")).value or b""
        ).state
        for key in keys
    }
    uncertain = [k for k, state in states.items() if state is LedgerState.SENDING]
    sent = [k for k, state in states.items() if state is LedgerState.SENT]
    assert len(sent) + len(uncertain) == KEYS
    assert all(mailed[k] == 1 for k in sent), "a key recorded sent was not mailed"
    assert 1 <= len(uncertain) <= POOL  # the mails on the wire at the kill, and only those
    assert len(mailed) > killed_at  # the second run mailed the rest

    outcomes = await read_stream(js, "COURRIER_OUTCOMES", "courrier.*.annuaire")
    assert {json.loads(body)["key"] for subject, body in outcomes if ".sent." in subject} >= set(
        sent
    )
    assert all(email.encode() not in body for _, body in outcomes)
    logs = first.process.output() + second.process.output()
    assert email not in logs
    assert ("mail uncertain" in logs) or not uncertain
    assert second.stop() == 0
