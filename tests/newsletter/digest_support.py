"""Helpers of the digest tests: subscribers, facts, waiting for an edition."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from tests.newsletter.conftest import App, until
from vieasso.common.messages.base import Message
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.nats.publish import JetStreamPublisher
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.domain.subscriber import (
    ALL_TOPICS,
    Consent,
    Preferences,
    Subscriber,
    SubscriberState,
    Topic,
    new_subscriber_id,
)


async def active_subscriber(
    app: App,
    email: str,
    *,
    themes: tuple[str, ...] = (),
    quartiers: tuple[str, ...] = (),
    topics: tuple[Topic, ...] = ALL_TOPICS,
    state: SubscriberState = SubscriberState.ACTIVE,
) -> Subscriber:
    now = app.newsletter.clock.now()
    subscriber = Subscriber(
        id=new_subscriber_id(),
        email=email,
        preferences=Preferences(themes=themes, quartiers=quartiers, topics=topics),
        state=state,
        consent=Consent(requested_at=now, form_version="test", confirmed_at=now),
        created_at=now,
        updated_at=now,
    )
    assert await app.newsletter.store.add(subscriber)
    await until(lambda: app.newsletter.mirror.get(subscriber.id) is not None)
    return subscriber


async def publish_facts(app: App, *facts: tuple[str, Message]) -> None:
    """Publish facts of new items and wait until the index holds every one of them (it also
    holds the items of the earlier tests, replayed from the streams)."""
    publisher: JetStreamPublisher = app.app.state.runtime.publish
    index = app.newsletter.index

    def items() -> int:
        return sum(map(len, (index.associations, index.missions, index.events)))

    expected = items() + len(facts)
    for subject, message in facts:
        await publisher(subject, message)
    await until(lambda: items() >= expected)


async def send_edition(app: App, at: datetime | None = None) -> Edition:
    """Build the weekly edition due now and wait until every delivery is final."""
    edition = await app.newsletter.editions.build(Frequency.HEBDOMADAIRE, at)
    found: list[Edition] = []

    async def sent() -> bool:
        record = await app.newsletter.editions.store.get(edition.id)
        if record is not None and record[0].state is EditionState.SENT:
            found.append(record[0])
            return True
        return False

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if await sent():
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"edition {edition.id} not sent in time")
