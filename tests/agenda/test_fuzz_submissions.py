"""Property: whatever arrives on `agenda.submissions.<slug>`, the handler answers (a rejection
with reasons or a dead letter, or the fact of a valid event) and never raises, within a time
bound per message, so the consumer never stalls."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.junk import rrules
from vieasso.agenda.adapters import ics
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.ics import vevent_bytes
from vieasso.agenda.adapters.store import EventStore
from vieasso.agenda.domain.model import StoredEvent
from vieasso.agenda.domain.recurrence import next_occurrence
from vieasso.agenda.handlers import Agenda, Inbound, Outcome
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventRejected
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, VenuePublic
from vieasso.common.messages.base import Message
from vieasso.common.reference.models import Theme

NOW = datetime(2026, 3, 10, tzinfo=UTC)
# Each message answered within this (hypothesis's deadline per example): a hang detector, not
# a speed target. A rule searched until the year 9999 took 4.5 s; INTERVAL=0 never ended.
PER_MESSAGE = timedelta(seconds=5)


class Published:
    def __init__(self) -> None:
        self.messages: list[tuple[str, Message]] = []

    async def __call__(self, subject: str, message: Message) -> None:
        self.messages.append((subject, message))


class OneAssociation:
    def association(self, slug: str) -> AssociationPublic | None:
        return AssociationPublic(
            slug=slug, name="Club", purpose="Sport.", state=AssociationState.VALIDATED,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip

    def venue(self, venue_id: str) -> VenuePublic | None:
        return None

    def theme(self, code: str) -> Theme | None:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "event_id",
    "title",
    "start",
    "end",
    "all_day",
    "rrule",
    "exdates",
    "place",
    "venue_id",
    "themes",
    "audience",
    "age_min",
    "age_max",
    "online_url",
    "attendance_mode",
    "status",
]
near_submissions = st.fixed_dictionaries(
    {"association": st.just("club")},
    optional=dict.fromkeys(FIELDS, json_values),
)
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | (near_submissions.map(lambda v: json.dumps(v).encode()))
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_any_inbound_message_is_answered_and_never_raises(body: bytes) -> None:
    published = Published()
    agenda = Agenda(
        directory=OneAssociation(),
        store=cast(EventStore, None),  # refused messages never reach the store
        catalog=Catalog(),
        publish=published,
        clock=FrozenClock(NOW),
        domain="example.org",
        public_url="https://example.org",
    )
    outcome = asyncio.run(agenda.handle(Inbound("agenda.submissions.club", body, {}, 1)))
    assert outcome in (Outcome.REJECTED, Outcome.DEAD_LETTER)
    [(subject, message)] = published.messages
    if outcome is Outcome.REJECTED:
        assert subject == "agenda.rejections.club"
        reasons = cast(EventRejected, message).reasons
        assert reasons
        assert all(r.message and r.field for r in reasons)
    else:
        assert subject == "deadletter.agenda.agenda.submissions.club"


class MemoryStore:
    """Keeps what an accepted submission saves (the KV bucket's part in `Agenda._apply`)."""

    def __init__(self) -> None:
        self.saved: list[StoredEvent] = []

    async def save(self, record: StoredEvent, revision: int | None) -> int:
        self.saved.append(record)
        return len(self.saved)


@pytest.mark.timeout(120)  # a rule that never ends its search fails here instead of hanging
@settings(max_examples=300, deadline=PER_MESSAGE, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rrules())
def test_any_recurrence_rule_is_answered_within_the_bound_and_lists_within_it(rule: object) -> None:
    """A valid event but for its rule: refused in French, or stored with its span; a stored
    rule then gives the day listing its next date without an unbounded search."""
    published = Published()
    store = MemoryStore()
    agenda = Agenda(
        directory=OneAssociation(),
        store=cast(EventStore, store),
        catalog=Catalog(),
        publish=published,
        clock=FrozenClock(NOW),
        domain="example.org",
        public_url="https://example.org",
    )
    body = {
        "association": "club", "event_id": "fz", "title": "Atelier",
        "start": "2026-04-14T14:00:00+02:00", "end": "2026-04-14T18:00:00+02:00",
        "place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"},
        "rrule": rule,
    }  # fmt: skip
    inbound = Inbound("agenda.submissions.club", json.dumps(body).encode(), {}, 1)
    outcome = asyncio.run(agenda.handle(inbound))
    assert outcome in (Outcome.REJECTED, Outcome.APPLIED)
    [(subject, message)] = published.messages
    if outcome is Outcome.REJECTED:
        assert subject == "agenda.rejections.club"
        reasons = cast(EventRejected, message).reasons
        assert any(r.field == "rrule" and r.message for r in reasons), reasons
        return
    [stored] = store.saved
    content = stored.event.content
    assert stored.span_end - stored.span_start <= timedelta(days=732)
    tz = ZoneInfo(content.timezone)
    for after in (NOW, stored.span_start + timedelta(days=200), stored.span_end):
        next_occurrence(content.start, content.end, content.rrule, (), tz=tz, after=after)
    written = icalendar.Event.from_ical(vevent_bytes(stored)[0])  # the feed can write it
    recurrence = written["RRULE"].to_ical()
    assert isinstance(recurrence, bytes)
    assert recurrence.startswith(b"FREQ=")


moments = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.isoformat()) | st.dates().map(lambda d: d.isoformat())


@settings(max_examples=300, deadline=PER_MESSAGE, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=moments,
    end=moments,
    exdates=st.lists(moments, max_size=2),
    rule=st.sampled_from([None, "FREQ=WEEKLY;COUNT=3", "FREQ=DAILY;COUNT=2"]),
)
def test_any_dates_accepted_still_make_every_feed_window_writable(
    start: str, end: str, exdates: list[str], rule: str | None
) -> None:
    """An accepted event, whatever its dates, can be written in a feed of any window it
    overlaps (an event from year 1 to 9999 once made every ICS feed answer 500)."""
    store = MemoryStore()
    agenda = Agenda(
        directory=OneAssociation(),
        store=cast(EventStore, store),
        catalog=Catalog(),
        publish=Published(),
        clock=FrozenClock(NOW),
        domain="example.org",
        public_url="https://example.org",
    )
    body = {
        "association": "club", "event_id": "fz", "title": "Atelier", "start": start, "end": end,
        "all_day": len(start) == 10, "rrule": rule, "exdates": exdates,
        "place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"},
    }  # fmt: skip
    inbound = Inbound("agenda.submissions.club", json.dumps(body).encode(), {}, 1)
    outcome = asyncio.run(agenda.handle(inbound))
    assert outcome in (Outcome.REJECTED, Outcome.APPLIED)
    if outcome is Outcome.REJECTED:
        return
    [stored] = store.saved
    opening = stored.span_start.date()  # a window the event overlaps, as in the feeds
    window = (opening, opening + timedelta(days=365))
    first, last = ics.tz_range(*window, stored.span_start, stored.span_end)
    assert last - first <= timedelta(days=366 * 4)  # the VTIMEZONE stays small
    body_bytes, _ = ics.assemble("Agenda", [vevent_bytes(stored)], first, last)
    assert icalendar.Calendar.from_ical(body_bytes).walk("VEVENT")
