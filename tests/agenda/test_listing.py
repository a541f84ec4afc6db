"""The index built from stored JSON at start-up equals the one built from the event."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from vieasso.agenda.adapters.store import encode
from vieasso.agenda.domain.events import Identity, decide, hide
from vieasso.agenda.domain.listing import Listing
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.messages.agenda import EventContent, ResolvedLocation
from vieasso.common.messages.annuaire import Accessibility, VenuePublic

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
WHO = Identity("club", "ev", "club.ev@x", "https://x/events/club/ev", "Club")


VENUE = VenuePublic(
    id="salle", name="Salle", address="1 rue", postal_code="25000", lat=47.2, lon=6.0,
    accessibility=Accessibility(motor=True, visual=True),
)  # fmt: skip


def record(location: ResolvedLocation | None = None, **fields: object) -> StoredEvent:
    values: dict[str, object] = {
        "title": "Tournoi",
        "start": NOW + timedelta(days=3),
        "end": NOW + timedelta(days=3, hours=2),
        "place": {"name": "Gymnase", "address": "1 rue", "postal_code": "25000"},
    }
    values.update(fields)
    content = EventContent.model_validate(values)
    where = location or ResolvedLocation(quartier="battant")
    return decide(None, content, where, WHO, now=NOW, message_id=None).record


@pytest.mark.parametrize(
    "stored",
    [
        record(),
        record(status="cancelled", audience=["seniors", "familles"], themes=["sport"]),
        record(all_day=True, start=date(2026, 4, 1), end=date(2026, 4, 2)),
        record(rrule="FREQ=WEEKLY;COUNT=4", venue_id="gymnase", place=None),
        hide(record(), reason="Hors cadre.", now=NOW).record,
        record(ResolvedLocation(venue=VENUE), venue_id="salle", place=None,
               accessibility={"hearing": True, "visual": True}),
    ],
    ids=["plain", "cancelled", "all-day", "recurring-at-venue", "unpublished", "accessible"],
)  # fmt: skip
def test_listing_from_stored_json_equals_listing_of_the_event(stored: StoredEvent) -> None:
    from_json = Listing.from_document(json.loads(encode(stored)))
    assert from_json == Listing.of(stored)
    assert Listing.from_row(json.loads(json.dumps(from_json.to_row()))) == from_json
    assert StoredEvent.model_validate_json(encode(stored)) == stored


def test_an_event_is_accessible_for_what_its_association_or_its_venue_offers() -> None:
    at_venue = record(ResolvedLocation(venue=VENUE), venue_id="salle", place=None,
                      accessibility={"hearing": True, "visual": True})  # fmt: skip
    assert Listing.of(at_venue).accessibility == ("motor", "hearing", "visual")
    assert Listing.of(record()).accessibility == ()
