"""Property: whatever arrives on `agenda.submissions.<slug>`, the handler answers (a rejection
with reasons or a dead letter) and never raises, so the consumer never stalls."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.store import EventStore
from vieasso.agenda.handlers import Agenda, Inbound, Outcome
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventRejected
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, VenuePublic
from vieasso.common.messages.base import Message
from vieasso.common.reference.models import Theme

NOW = datetime(2026, 3, 10, tzinfo=UTC)


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
