"""Feeds are a pure function of the stored events and the day (issue 18): two replicas holding
the same events serve the same bytes and ETag whatever the hour each assembled its feed at,
and a replica that saw an event deleted serves what a replica started afterwards serves."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.feedcache import FeedCache, FeedKind
from vieasso.agenda.domain.events import Identity, decide
from vieasso.agenda.domain.feeds import FeedQuery
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventContent, ResolvedLocation

PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 6, 10, 9, 0, tzinfo=PARIS)
AFTERNOON = datetime(2026, 6, 10, 15, 0, tzinfo=PARIS)  # the same day, later
TITLE = "Agenda"


def record(event_id: str, start: datetime, *, changed: datetime, **fields: object) -> StoredEvent:
    who = Identity(
        "club", event_id, f"club.{event_id}@x", f"https://x.example/events/club/{event_id}", "Club"
    )
    content = EventContent.model_validate(
        {
            "title": f"Rencontre {event_id}",
            "start": start,
            "end": start + timedelta(hours=2),
            "place": {"name": "Gymnase", "address": "1 rue", "postal_code": "25000"},
            **fields,
        }
    )
    where = ResolvedLocation(quartier="battant")
    return decide(None, content, where, who, now=changed, message_id=None).record


def holding(records: list[StoredEvent]) -> Catalog:
    catalog = Catalog()
    for revision, stored in enumerate(records, start=1):
        catalog.put(stored, revision)
    return catalog


def replica(at: datetime, catalog: Catalog) -> FeedCache:
    """A replica's feeds at `at`."""
    return FeedCache(catalog, FrozenClock(at), public_url="https://x.example", max_events=100)


def the_day_events() -> list[StoredEvent]:
    """One event over at noon, one the next week, one cancelled that leaves the feeds at
    11:00 (30 days after its cancellation)."""
    long_ago = datetime(2026, 5, 1, 8, 0, tzinfo=PARIS)
    return [
        record("midi", datetime(2026, 6, 10, 10, 0, tzinfo=PARIS), changed=long_ago),
        record("semaine", datetime(2026, 6, 17, 18, 0, tzinfo=PARIS), changed=long_ago),
        record(
            "annule",
            datetime(2026, 6, 20, 18, 0, tzinfo=PARIS),
            changed=datetime(2026, 5, 11, 11, 0, tzinfo=PARIS),
            status="cancelled",
        ),
    ]


@pytest.mark.parametrize("kind", list(FeedKind))
def test_a_feed_is_the_same_whatever_the_hour_it_was_assembled_at(kind: FeedKind) -> None:
    morning = replica(MORNING, holding(the_day_events())).feed(kind, FeedQuery(), TITLE)
    afternoon = replica(AFTERNOON, holding(the_day_events())).feed(kind, FeedQuery(), TITLE)
    assert afternoon.body == morning.body
    assert (afternoon.etag, afternoon.last_modified) == (morning.etag, morning.last_modified)


@pytest.mark.parametrize("kind", list(FeedKind))
def test_a_deleted_event_leaves_the_feed_as_if_it_never_was(kind: FeedKind) -> None:
    kept = record("reste", datetime(2026, 6, 17, 18, 0, tzinfo=PARIS), changed=MORNING)
    later = MORNING + timedelta(minutes=30)
    deleted = record("efface", datetime(2026, 6, 18, 18, 0, tzinfo=PARIS), changed=later)
    seen_live = holding([kept, deleted])
    seen_live.remove(deleted.key, revision=3)
    seen = replica(AFTERNOON, seen_live).feed(kind, FeedQuery(), TITLE)
    fresh = replica(AFTERNOON, holding([kept])).feed(kind, FeedQuery(), TITLE)
    assert seen.body == fresh.body
    assert (seen.etag, seen.last_modified) == (fresh.etag, fresh.last_modified)
