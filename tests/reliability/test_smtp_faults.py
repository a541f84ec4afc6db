"""A digest sent through an SMTP server that answers 421/451, drops connections, stalls and
refuses chosen addresses with 550 — and the sender killed (-9) once in the middle.

Checked: every deliverable subscriber gets the edition exactly once (counted at the server,
which saves only the mails it answered 250), except those whose mail was in flight at the
kill (ledger `sending`: at most once, never twice); each refused address is `bounced` in
the ledger and its subscriber suspended; the global rate limit holds in every one-second
window (with a tolerance of one connection's worth).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nats
import pytest
from nats.js import JetStreamContext

from tests.newsletter import facts
from tests.reliability.conftest import Scenario
from tests.reliability.faulty_smtp import FaultyHandler, FaultySmtp
from tests.support.nats_server import NatsServer
from tests.support.processes import VENV_BIN, Process, wait_until
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState
from vieasso.newsletter.domain.edition import edition_id
from vieasso.newsletter.domain.subscriber import (
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    new_subscriber_id,
)

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.slow]

SUBSCRIBERS = 500
BOUNCING = 25
RATE = 50.0
POOL = 4
FAULT_SHARE = 0.3
SMTP_TIMEOUT = 1.0


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of its own: the monthly edition id must not meet another test's."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


def send_digest(nats_url: str, smtp: FaultySmtp, log: Path) -> Process:
    env = {
        "VIEASSO_NATS_URL": nats_url,
        "VIEASSO_SMTP_PORT": str(smtp.port),
        "VIEASSO_SMTP_POOL_SIZE": str(POOL),
        "VIEASSO_SMTP_TIMEOUT": str(SMTP_TIMEOUT),
        "VIEASSO_SEND_RATE": str(RATE),
        "VIEASSO_SEND_RETRY_BASE": "0.2",
        "VIEASSO_SEND_RETRY_MAX": "1",
        "VIEASSO_SEND_ACK_WAIT": "3",
        "VIEASSO_LOG_JSON": "false",
    }
    argv = [str(VENV_BIN / "vieasso-newsletter"), "send-digest", "--frequency", "mensuelle"]
    return Process(argv, log=log, env=env).start()


async def platform_with_subscribers(
    js: JetStreamContext, now: datetime
) -> tuple[SubscriberStore, dict[str, str]]:
    """Streams and buckets, one piece of news, and `SUBSCRIBERS` monthly subscribers."""
    await provision(js, replicas=1)
    subject, fact = facts.association_validated(
        now - timedelta(hours=1), name="Les Amis du Doubs", themes=("environnement",), quartier=None
    )
    await js.publish(
        subject, fact.model_dump_json().encode(), headers={"Nats-Msg-Id": str(fact.message_id)}
    )
    store = SubscriberStore(await js.key_value("newsletter_subscribers"))
    ids: dict[str, str] = {}
    for n in range(SUBSCRIBERS):
        email = f"lecteur-{n}-{secrets.token_hex(3)}@example.org"
        subscriber = Subscriber(
            id=new_subscriber_id(), email=email,
            preferences=Preferences(frequency=Frequency.MENSUELLE), state=SubscriberState.ACTIVE,
            consent=Consent(requested_at=now, form_version="test", confirmed_at=now),
            created_at=now, updated_at=now,
        )  # fmt: skip
        assert await store.add(subscriber)
        ids[email] = subscriber.id
    return store, ids


def send_with_one_kill(nats_url: str, smtp: FaultySmtp, tmp_path: Path) -> int:
    """send-digest, killed (-9) after a third of the mails, then run again to the end;
    returns how many mails had been accepted at the kill."""
    first = send_digest(nats_url, smtp, tmp_path / "first.log")
    try:
        wait_until(lambda: len(smtp.handler.accepted) >= SUBSCRIBERS // 3, timeout=60)
    finally:
        first.kill()
    before_kill = len(smtp.handler.accepted)
    second = send_digest(nats_url, smtp, tmp_path / "second.log")
    try:
        wait_until(lambda: not second.running, timeout=120, what="send-digest to finish")
    finally:
        second.kill()
    assert second.popen is not None
    assert second.popen.returncode == 0, second.output()[-3000:]
    return before_kill


async def test_digest_through_a_faulty_smtp_server_is_delivered_once_bounces_suspend(
    own_nats: NatsServer, tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="SMTP faults during a digest, sender killed once",
        load=f"one monthly edition to {SUBSCRIBERS} subscribers, {POOL} SMTP connections, "
        f"rate limit {RATE:g} mails/s",
        faults=f"{FAULT_SHARE:.0%} of first attempts get 421, 451, a dropped connection or a "
        f"stall past the {SMTP_TIMEOUT:g} s client timeout; 550 for {BOUNCING} chosen "
        "addresses; kill -9 of send-digest after a third of the mails, then run again",
        inputs="subscribers with valid addresses, some unknown to the server",
        checked="each deliverable subscriber mailed exactly once (server-side count) or "
        "left `sending` by the kill (never twice); 550 → ledger `bounced` and subscriber "
        "suspended; mails per one-second window ≤ limit + one per connection",
    )
    nc = await nats.connect(own_nats.url)
    js = nc.jetstream()
    now = datetime.now(UTC)
    store, ids = await platform_with_subscribers(js, now)
    bouncing = set(list(ids)[:: SUBSCRIBERS // BOUNCING])
    handler = FaultyHandler(FAULT_SHARE, stall_seconds=SMTP_TIMEOUT * 2, reject=bouncing)
    smtp = FaultySmtp(handler).start()
    try:
        before_kill = send_with_one_kill(own_nats.url, smtp, tmp_path)
    finally:
        smtp.stop()

    eid = edition_id(Frequency.MENSUELLE, now, ZoneInfo("Europe/Paris"))
    kv = await js.key_value("newsletter_deliveries")
    states: dict[str, LedgerState] = {}
    for email, sid in ids.items():
        entry = await kv.get(f"{eid}.{sid}")
        states[email] = LedgerEntry.model_validate_json(entry.value or b"").state
    received = handler.counts()
    assert max(received.values()) == 1, "a subscriber got the edition twice"
    uncertain = [e for e, s in states.items() if s is LedgerState.SENDING]
    assert len(uncertain) <= 2 * POOL, "more deliveries in doubt than one ahead per connection"
    for email, state in states.items():
        if email in bouncing:
            assert state is LedgerState.BOUNCED, email
            assert received[email] == 0
            found = await store.get(ids[email])
            assert found is not None
            assert found[0].state is SubscriberState.SUSPENDED
        elif state is LedgerState.SENT:
            assert received[email] == 1, email
        else:
            assert state is LedgerState.SENDING, (email, state)
    busiest = handler.busiest_second()
    assert busiest <= RATE + POOL, f"{busiest} mails in one second, limit {RATE:g}/s"
    await nc.close()

    scenario.figure("mails accepted", len(received))
    scenario.figure("accepted before the kill", before_kill)
    scenario.figure("faults injected", sum(handler.injected.values()))
    for fault, count in sorted(handler.injected.items()):
        scenario.figure(f"faults {fault}", count)
    scenario.figure("bounced", sum(s is LedgerState.BOUNCED for s in states.values()))
    scenario.figure("left `sending` by the kill", len(uncertain))
    scenario.figure("busiest second (mails)", busiest)
    scenario.figure("rate limit (mails/s)", RATE)
