"""kill -9 the sender mid-edition, start it again: every remaining mail is sent, none twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.newsletter.digest_run import (
    DigestRun,
    ledger_states,
    monthly_edition_id,
    monthly_readers,
)
from tests.support.smtp import SmtpServer
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.domain.delivery import LedgerState

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.slow]

SUBSCRIBERS = 300
POOL = 4


async def test_killed_sender_resumes_and_mails_everyone_at_most_once(
    js: JetStreamContext, nats_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    _, addresses = await monthly_readers(js, now, SUBSCRIBERS, "crash")

    digest = DigestRun(nats_url, smtp_server.port, pool=POOL, rate=60)
    sent_before_restart = digest.killed_then_resumed(
        lambda: smtp_server.handler.accepted, SUBSCRIBERS // 3, tmp_path, finish_within=90
    )
    assert sent_before_restart < SUBSCRIBERS, (tmp_path / "first.log").read_text()[-3000:]

    received = Counter(addresses[m["To"]] for m in smtp_server.messages() if m["To"] in addresses)
    assert max(received.values()) == 1, "a subscriber got the edition twice"
    assert sum(received.values()) > sent_before_restart  # the second run sent the rest
    states = await ledger_states(js, now, addresses.values())
    uncertain = [s for s, state in states.items() if state is LedgerState.SENDING]
    sent = [s for s, state in states.items() if state is LedgerState.SENT]
    assert len(sent) + len(uncertain) == SUBSCRIBERS
    assert all(received[s] == 1 for s in sent)
    # only mails on the wire are `sending`: at most one per connection (not every delivery
    # waiting for the rate limit, which a kill used to leave unsent for good)
    assert len(uncertain) <= 2 * POOL  # on the wire, and one claimed ahead, per connection
    kv = await js.key_value("newsletter_deliveries")
    tally = await Ledger(kv).tally(monthly_edition_id(now))
    assert tally[LedgerState.SENT] == len(sent)
