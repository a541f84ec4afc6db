"""The events of one association (or of everyone, for the city), as the spaces list them.

Every event the catalog holds, hidden and cancelled ones too: upcoming first (soonest
first), then past ones (latest first); paginated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from vieasso.agenda.adapters.catalog import Entry
from vieasso.agenda.adapters.text import headline

PER_PAGE = 40


@dataclass(frozen=True)
class Row:
    association: str
    association_name: str
    event_id: str
    title: str
    start: datetime | date
    recurring: bool
    state: str
    hidden: bool
    cancelled: bool
    past: bool
    url: str | None  # the public page, while it is shown
    reason: str | None  # why the city hides it (the city's and the association's spaces)


def _row(entry: Entry, now: datetime) -> Row:
    record = entry.record
    event = record.event
    past = entry.listing.end <= now
    if event.unpublished:
        state = "Masqué par la Ville"
    elif record.cancelled:
        state = "Annulé"
    else:
        state = "Passé" if past else "Publié"
    return Row(
        association=event.association,
        association_name=event.association_name,
        event_id=event.event_id,
        title=headline(event),
        start=event.content.start,
        recurring=bool(event.content.rrule),
        state=state,
        hidden=event.unpublished,
        cancelled=record.cancelled,
        past=past,
        url=str(event.url) if entry.listing.visible_at(now) else None,
        reason=record.moderation.reason if event.unpublished and record.moderation else None,
    )


def listed(entries: Iterable[Entry], now: datetime, page: int) -> tuple[list[Row], int, int]:
    """One page of rows, the page shown (clamped) and the number of pages."""
    chosen = list(entries)
    upcoming = sorted((e for e in chosen if e.listing.end > now), key=lambda e: e.sort_key)
    past = sorted((e for e in chosen if e.listing.end <= now), key=lambda e: e.sort_key)
    ordered = upcoming + past[::-1]
    count = max(1, -(-len(ordered) // PER_PAGE))
    page = min(max(page, 1), count)
    shown = ordered[(page - 1) * PER_PAGE : page * PER_PAGE]
    return [_row(e, now) for e in shown], page, count
