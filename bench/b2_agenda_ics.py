"""B2: change one event in a 10,000-event calendar → new ICS bytes ready.

Measured: the agenda's path (re-render the changed VEVENT, re-assemble the feed from the
kept VEVENT bytes); baseline: a full icalendar build of the same calendar. Both must give
the same bytes. `synthetic_records` is shared with B3/B5/B6.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta

from bench.report import Figure
from vieasso.agenda.adapters import ics
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.feedcache import FeedCache, FeedKind, feed_range
from vieasso.agenda.domain.events import Identity, decide
from vieasso.agenda.domain.feeds import FeedQuery
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventContent, Place, ResolvedLocation

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TITLE = "Agenda associatif de Besançon"


def synthetic_records(
    count: int, *, associations: int = 500, now: datetime = NOW
) -> list[StoredEvent]:
    """`count` varied events over the twelve months after `now` (some recurring, all-day)."""
    place = Place(name="Maison de quartier", address="3 rue Battant", postal_code="25000")
    records: list[StoredEvent] = []
    for i in range(count):
        slug = f"association-{i % associations}"
        start = now + timedelta(days=(i * 7) % 360, hours=(i % 10))
        fields: dict[str, object] = {
            "title": f"Événement numéro {i} : atelier, rencontre et partage",
            "summary": "Une rencontre ouverte à toutes et à tous, au cœur du quartier.",
            "description": "Programme détaillé de la journée.\n\nInscription conseillée.",
            "start": start,
            "end": start + timedelta(hours=2),
            "place": place,
            "themes": ("culture", "vie-de-quartier"),
        }
        if i % 10 == 0:
            fields["rrule"] = "FREQ=WEEKLY;COUNT=6"
        if i % 13 == 0:
            day = start.date()
            fields.update(all_day=True, start=day, end=day + timedelta(days=1), rrule=None)
        who = Identity(
            slug=slug,
            event_id=f"ev-{i}",
            uid=f"{slug}.ev-{i}@vie-associative.besancon.fr",
            url=f"https://vie-associative.besancon.fr/agenda/events/{slug}/ev-{i}",
            association_name=f"Association {i % associations}",
        )
        content = EventContent.model_validate(fields)
        location = ResolvedLocation(place=place, quartier="battant")
        decision = decide(None, content, location, who, now=now, message_id=None, stream_seq=i)
        records.append(decision.record)
    return records


def changed(record: StoredEvent, n: int) -> StoredEvent:
    event = record.event
    content = event.content.model_copy(update={"title": f"Titre modifié {n}"})
    new_event = event.model_copy(
        update={"content": content, "sequence": event.sequence + 1, "last_modified": NOW}
    )
    return record.model_copy(update={"event": new_event})


def run(quick: bool) -> list[Figure]:
    size = 1_000 if quick else 10_000
    changes = 10 if quick else 30
    records = synthetic_records(size)
    catalog = Catalog()
    catalog.begin_load()
    for revision, record in enumerate(records, start=1):
        catalog.put(record, revision)
    catalog.end_load()
    feeds = FeedCache(catalog, FrozenClock(NOW), public_url="https://x", max_events=size)
    query = FeedQuery(limit=size, start=date(2026, 3, 9), end=date(2027, 3, 10))
    feeds.feed(FeedKind.ICS, query, TITLE)  # every VEVENT rendered once, as after start-up

    timings = []
    body = b""
    for n in range(changes):
        target = records[(n * 997) % size]
        t0 = time.perf_counter()
        catalog.put(changed(target, n), size + n + 1)
        body = feeds.feed(FeedKind.ICS, query, TITLE).body
        timings.append(time.perf_counter() - t0)
    median_ms = statistics.median(timings) * 1000

    entries = catalog.select(query, NOW)
    first, last = feed_range(entries, *query.window(date(2026, 3, 10)))
    t0 = time.perf_counter()
    full = ics.full_calendar(TITLE, [e.record for e in entries], first, last)
    full_ms = (time.perf_counter() - t0) * 1000
    if full != body:
        raise AssertionError("B2: assembled feed differs from the full icalendar build")
    return [
        Figure(
            bench="B2",
            what=(
                f"one change in a {size:,}-event calendar → new ICS bytes "
                f"({len(body) // 1024} KB), median of {changes}"
            ),
            value=median_ms,
            unit="ms",
            baseline=full_ms,
            baseline_what="full icalendar rebuild, same bytes",
            target="≤ 50 ms and ≥ 100× faster",
            higher_is_better=False,
        )
    ]
