"""Sending: 4xx retried and delivered once, 5xx bounces suspend, policy refusals do not."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App, mails_to, random_email
from tests.newsletter.digest_support import active_subscriber, publish_facts, send_edition
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.newsletter import Frequency
from vieasso.newsletter.adapters.ledger import key
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState, Outcome, classify
from vieasso.newsletter.domain.edition import edition_id
from vieasso.newsletter.domain.subscriber import SubscriberState

pytestmark = [pytest.mark.nats, pytest.mark.smtp]


async def ledger_entry(app: App, edition_id: str, subscriber_id: str) -> LedgerEntry:
    kv = await app.newsletter.js.key_value("newsletter_deliveries")
    entry = await kv.get(key(edition_id, subscriber_id))
    return LedgerEntry.model_validate_json(entry.value or b"")


async def some_news(app: App, clock: FrozenClock) -> None:
    await publish_facts(
        app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Jardins partagés", themes=(), quartier=None
        ),
    )


async def test_temporary_failures_are_retried_and_delivered_once(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await some_news(newsletter_app, clock)
    email = random_email("busy")
    subscriber = await active_subscriber(newsletter_app, email)
    smtp_server.handler.fail_next[email] = 451
    edition = await send_edition(newsletter_app)
    assert len(mails_to(smtp_server, email)) == 1
    entry = await ledger_entry(newsletter_app, edition.id, subscriber.id)
    assert entry.state is LedgerState.SENT
    assert entry.attempts == 2


async def test_hard_bounce_suspends_the_subscriber(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await some_news(newsletter_app, clock)
    email = random_email("nobody")
    subscriber = await active_subscriber(newsletter_app, email)
    smtp_server.handler.fail_next[email] = 550
    edition = await send_edition(newsletter_app)
    assert mails_to(smtp_server, email) == []
    assert edition.bounced >= 1
    entry = await ledger_entry(newsletter_app, edition.id, subscriber.id)
    assert entry.state is LedgerState.BOUNCED
    found = await newsletter_app.newsletter.store.get(subscriber.id)
    assert found is not None
    assert found[0].state is SubscriberState.SUSPENDED


async def test_a_bounce_recorded_by_a_stopped_run_suspends_on_the_next_one(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    """A run stopped between writing `bounced` and suspending the subscriber: the next run
    of the edition suspends, unless the subscriber changed since the bounce."""
    await some_news(newsletter_app, clock)
    now = clock.now()
    eid = edition_id(Frequency.HEBDOMADAIRE, now, ZoneInfo("Europe/Paris"))
    stopped = await active_subscriber(newsletter_app, random_email("stopped"))
    changed = await active_subscriber(newsletter_app, random_email("changed"))
    kv = await newsletter_app.newsletter.js.key_value("newsletter_deliveries")
    for subscriber, at in ((stopped, now), (changed, now - timedelta(hours=1))):
        entry = LedgerEntry(state=LedgerState.BOUNCED, attempts=1, at=at, code=550)
        await kv.create(key(eid, subscriber.id), entry.model_dump_json().encode())
    edition = await send_edition(newsletter_app)
    assert edition.id == eid
    for subscriber, state in (
        (stopped, SubscriberState.SUSPENDED),
        (changed, SubscriberState.ACTIVE),
    ):
        assert mails_to(smtp_server, subscriber.email) == []
        found = await newsletter_app.newsletter.store.get(subscriber.id)
        assert found is not None
        assert found[0].state is state, subscriber.email


async def test_policy_refusal_fails_without_suspending(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await some_news(newsletter_app, clock)
    email = random_email("policy")
    subscriber = await active_subscriber(newsletter_app, email)
    smtp_server.handler.fail_next[email] = 554  # 5.7.1 rejected by policy: our problem
    edition = await send_edition(newsletter_app)
    entry = await ledger_entry(newsletter_app, edition.id, subscriber.id)
    assert entry.state is LedgerState.FAILED
    found = await newsletter_app.newsletter.store.get(subscriber.id)
    assert found is not None
    assert found[0].state is SubscriberState.ACTIVE


@pytest.mark.parametrize(
    ("code", "message", "outcome"),
    [
        (250, "OK", Outcome.SENT),
        (421, "4.3.2 try later", Outcome.RETRY),
        (452, "4.2.2 mailbox full", Outcome.RETRY),
        (550, "5.1.1 No such user", Outcome.BOUNCE),
        (552, "5.2.2 Mailbox full", Outcome.BOUNCE),
        (550, "No such user", Outcome.BOUNCE),
        (554, "5.7.1 Rejected by policy", Outcome.FAIL),
        (550, "5.7.26 DMARC", Outcome.FAIL),
        (554, "5.4.4 unroutable", Outcome.FAIL),
    ],
)
def test_smtp_answers_are_classified(code: int, message: str, outcome: Outcome) -> None:
    assert classify(code, message) is outcome
