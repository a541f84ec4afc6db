"""kill -9 the sender mid-edition, start it again: every remaining mail is sent, none twice."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nats.js import JetStreamContext

from tests.newsletter import facts
from tests.support.processes import VENV_BIN, Process, wait_until
from tests.support.smtp import SmtpServer
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.adapters.ledger import Ledger
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

SUBSCRIBERS = 300
POOL = 4


def sender(nats_url: str, smtp: SmtpServer, log: Path) -> Process:
    env = {
        "VIEASSO_NATS_URL": nats_url,
        "VIEASSO_SMTP_PORT": str(smtp.port),
        "VIEASSO_SEND_RATE": "60",
        "VIEASSO_SEND_ACK_WAIT": "3",
        "VIEASSO_SMTP_POOL_SIZE": str(POOL),
        "VIEASSO_LOG_JSON": "false",
    }
    argv = [str(VENV_BIN / "vieasso-newsletter"), "send-digest", "--frequency", "mensuelle"]
    return Process(argv, log=log, env=env).start()


async def test_killed_sender_resumes_and_mails_everyone_at_most_once(
    js: JetStreamContext, nats_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    await provision(js, replicas=1)
    now = datetime.now(UTC)
    subject, fact = facts.association_validated(
        now - timedelta(hours=1), name="Les Amis du Doubs", themes=("environnement",), quartier=None
    )
    await js.publish(
        subject, fact.model_dump_json().encode(), headers={"Nats-Msg-Id": str(fact.message_id)}
    )
    store = SubscriberStore(await js.key_value("newsletter_subscribers"))
    addresses: dict[str, str] = {}
    for n in range(SUBSCRIBERS):
        email = f"crash-{n}-{secrets.token_hex(3)}@example.org"
        subscriber = Subscriber(
            id=new_subscriber_id(),
            email=email,
            preferences=Preferences(frequency=Frequency.MENSUELLE),
            state=SubscriberState.ACTIVE,
            consent=Consent(requested_at=now, form_version="test", confirmed_at=now),
            created_at=now,
            updated_at=now,
        )
        assert await store.add(subscriber)
        addresses[email] = subscriber.id

    first = sender(nats_url, smtp_server, tmp_path / "first.log")
    try:
        wait_until(lambda: smtp_server.handler.accepted >= SUBSCRIBERS // 3, timeout=60)
    finally:
        first.kill()
    sent_before_restart = smtp_server.handler.accepted
    assert sent_before_restart < SUBSCRIBERS, first.output()[-3000:]

    second = sender(nats_url, smtp_server, tmp_path / "second.log")
    try:
        wait_until(lambda: not second.running, timeout=90, what="the restarted sender to finish")
    finally:
        second.kill()
    assert second.popen is not None
    assert second.popen.returncode == 0, second.output()[-3000:]

    received = Counter(addresses[m["To"]] for m in smtp_server.messages() if m["To"] in addresses)
    assert max(received.values()) == 1, "a subscriber got the edition twice"
    assert sum(received.values()) > sent_before_restart  # the second run sent the rest
    eid = edition_id(Frequency.MENSUELLE, now, ZoneInfo("Europe/Paris"))
    kv = await js.key_value("newsletter_deliveries")
    states: dict[str, LedgerState] = {}
    for subscriber_id in addresses.values():
        entry = await kv.get(f"{eid}.{subscriber_id}")
        states[subscriber_id] = LedgerEntry.model_validate_json(entry.value or b"").state
    uncertain = [s for s, state in states.items() if state is LedgerState.SENDING]
    sent = [s for s, state in states.items() if state is LedgerState.SENT]
    assert len(sent) + len(uncertain) == SUBSCRIBERS
    assert all(received[s] == 1 for s in sent)
    # only mails on the wire are `sending`: at most one per connection (not every delivery
    # waiting for the rate limit, which a kill used to leave unsent for good)
    assert len(uncertain) <= 2 * POOL  # on the wire, and one claimed ahead, per connection
    tally = await Ledger(kv).tally(eid)
    assert tally[LedgerState.SENT] == len(sent)
