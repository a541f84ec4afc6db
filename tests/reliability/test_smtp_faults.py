"""A digest sent through an SMTP server that answers 421/451, drops connections, stalls and
refuses chosen addresses with 550 — and the sender killed (-9) once in the middle.

Checked: every deliverable subscriber gets the edition exactly once (counted at the server,
which saves only the mails it answered 250), except those whose mail was in flight at the
kill (ledger `sending`: at most once, never twice); each refused address is `bounced` in
the ledger and its subscriber suspended, unless it too was in flight at the kill; the
global rate limit holds in every one-second window (with a tolerance of one connection's
worth).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from tests.newsletter.digest_run import DigestRun, ledger_states, monthly_readers
from tests.reliability.conftest import Scenario
from tests.reliability.faulty_smtp import FaultyHandler, FaultySmtp
from tests.support.nats_server import NatsServer
from vieasso.newsletter.domain.delivery import LedgerState
from vieasso.newsletter.domain.subscriber import SubscriberState

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
        "suspended (or `sending` if in flight at the kill); mails per one-second window "
        "≤ limit + one per connection",
    )
    nc = await nats.connect(own_nats.url)
    js = nc.jetstream()
    now = datetime.now(UTC)
    store, ids = await monthly_readers(js, now, SUBSCRIBERS, "lecteur")
    bouncing = set(list(ids)[:: SUBSCRIBERS // BOUNCING])
    handler = FaultyHandler(FAULT_SHARE, stall_seconds=SMTP_TIMEOUT * 2, reject=bouncing)
    smtp = FaultySmtp(handler).start()
    digest = DigestRun(
        own_nats.url, smtp.port, pool=POOL, rate=RATE,
        env={
            "VIEASSO_SMTP_TIMEOUT": str(SMTP_TIMEOUT),
            "VIEASSO_SEND_RETRY_BASE": "0.2",
            "VIEASSO_SEND_RETRY_MAX": "1",
        },
    )  # fmt: skip
    try:
        before_kill = digest.killed_then_resumed(
            lambda: len(handler.accepted), SUBSCRIBERS // 3, tmp_path, finish_within=120
        )
    finally:
        smtp.stop()

    by_id = await ledger_states(js, now, ids.values())
    states = {email: by_id[sid] for email, sid in ids.items()}
    received = handler.counts()
    assert max(received.values()) == 1, "a subscriber got the edition twice"
    uncertain = [e for e, s in states.items() if s is LedgerState.SENDING]
    assert len(uncertain) <= 2 * POOL, "more deliveries in doubt than one ahead per connection"
    for email, state in states.items():
        if email in bouncing:
            # In flight at the kill, a refused address stays `sending` like any other.
            assert state in (LedgerState.BOUNCED, LedgerState.SENDING), (email, state)
            assert received[email] == 0
            found = await store.get(ids[email])
            assert found is not None
            suspended = found[0].state is SubscriberState.SUSPENDED
            assert suspended is (state is LedgerState.BOUNCED), email
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
