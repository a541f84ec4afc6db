"""Departures (unsubscription, suspension, erasure) as facts, applied again at start.

Each departure is published on ``NEWSLETTER`` before it is stored; at start the newsletter
applies again those its records lack (a restored backup, a crash between the fact and the
write), and only those: someone who came back after leaving stays subscribed.
(The restore itself, with a real backup: tests/platform/test_backup_replay.py.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App, random_email
from tests.newsletter.digest_support import active_subscriber, publish_facts, send_edition
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.newsletter import SubscriberLeft
from vieasso.newsletter.adapters.subscribers import index_key, record_key
from vieasso.newsletter.domain.subscriber import Subscriber, SubscriberState

pytestmark = [pytest.mark.nats, pytest.mark.smtp]


async def put_back(app: App, old: Subscriber) -> None:
    """What a restore does: the record as it was (and its address index)."""
    kv = await app.newsletter.js.key_value("newsletter_subscribers")
    await kv.put(index_key(old.email), old.id.encode())
    await kv.put(record_key(old.id), old.model_dump_json().encode())


async def stored(app: App, subscriber: Subscriber) -> Subscriber | None:
    found = await app.newsletter.store.get(subscriber.id)
    return None if found is None else found[0]


async def departures_of(app: App, subscriber: Subscriber) -> list[SubscriberLeft]:
    js = app.newsletter.js
    sub = await js.pull_subscribe(f"newsletter.subscribers.{subscriber.id}.*", stream="NEWSLETTER")
    try:
        return [SubscriberLeft.model_validate_json(m.data) for m in await sub.fetch(10, 2)]
    finally:
        await sub.unsubscribe()


async def test_unsubscription_is_a_fact_and_a_restored_record_leaves_again(
    newsletter_app: App, clock: FrozenClock
) -> None:
    app = newsletter_app.newsletter
    old = await active_subscriber(newsletter_app, random_email())
    clock.advance(timedelta(hours=1))
    url = app.links.unsubscribe(old.id)
    assert (await newsletter_app.client.post(url)).status_code == 200
    (fact,) = await departures_of(newsletter_app, old)
    assert (fact.departure, fact.generation) == ("unsubscribed", 1)
    assert "@" not in fact.model_dump_json()

    await put_back(newsletter_app, old)
    assert await app.departures.run() >= 1
    back = await stored(newsletter_app, old)
    assert back is not None
    assert (back.state, back.generation) == (SubscriberState.UNSUBSCRIBED, 1)
    reader = app.mirror.get(old.id)  # before any edition can be built from it
    assert reader is not None
    assert not reader.active


async def test_someone_who_came_back_after_leaving_stays_subscribed(
    newsletter_app: App, clock: FrozenClock
) -> None:
    app = newsletter_app.newsletter
    subscriber = await active_subscriber(newsletter_app, random_email())
    assert (await newsletter_app.client.post(app.links.unsubscribe(subscriber.id))).is_success
    clock.advance(timedelta(hours=1))
    left = await stored(newsletter_app, subscriber)
    assert left is not None
    await app.subscriptions.request(subscriber.email, subscriber.preferences, "203.0.113.9")
    await app.subscriptions.drain()
    again = await stored(newsletter_app, subscriber)
    assert again is not None
    await app.subscriptions.confirm(app.links.confirm(again).split("token=")[1])
    await app.departures.run()
    now = await stored(newsletter_app, subscriber)
    assert now is not None
    assert (now.state, now.generation) == (SubscriberState.ACTIVE, 1)


async def test_an_erasure_is_applied_again_to_a_restored_record_and_ledger(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    app = newsletter_app.newsletter
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Ludothèque", themes=(), quartier=None
        ),
    )
    old = await active_subscriber(newsletter_app, random_email())
    edition = await send_edition(newsletter_app)
    assert edition.id in await app.ledger.entries(old.id)
    ledger = await app.js.key_value("newsletter_deliveries")
    entry = await ledger.get(f"{edition.id}.{old.id}")
    token = app.links.preferences(old.id).split("token=")[1]
    erased = await newsletter_app.client.delete("/api/subscriptions/me", params={"token": token})
    assert erased.status_code == 204
    (fact,) = await departures_of(newsletter_app, old)
    assert fact.departure == "erased"

    await put_back(newsletter_app, old)
    await ledger.put(f"{edition.id}.{old.id}", entry.value or b"")
    assert await app.departures.run() >= 1
    assert await stored(newsletter_app, old) is None
    assert await app.store.find(old.email) is None
    assert await app.ledger.entries(old.id) == {}
    assert app.mirror.get(old.id) is None
    assert len(await departures_of(newsletter_app, old)) == 1  # the replay adds no fact


async def test_a_hard_bounce_is_a_fact_too(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Chorale", themes=(), quartier=None
        ),
    )
    subscriber = await active_subscriber(newsletter_app, random_email("nobody"))
    smtp_server.handler.fail_next[subscriber.email] = 550
    await send_edition(newsletter_app)
    (fact,) = await departures_of(newsletter_app, subscriber)
    assert (fact.departure, fact.generation) == ("suspended", 1)
    await put_back(newsletter_app, subscriber)
    await newsletter_app.newsletter.departures.run()
    back = await stored(newsletter_app, subscriber)
    assert back is not None
    assert back.state is SubscriberState.SUSPENDED
