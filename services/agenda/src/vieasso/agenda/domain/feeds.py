"""Which events a feed shows: filters, the default window and the cap (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vieasso.agenda.domain.listing import Listing

PARIS = ZoneInfo("Europe/Paris")
MAX_EVENTS = 1000
DEFAULT_DAYS_AHEAD = 365


@dataclass(frozen=True)
class FeedQuery:
    """Filters of `/feeds/agenda.*`; an empty filter lets everything through."""

    associations: tuple[str, ...] = ()
    theme: str | None = None
    quartier: str | None = None
    venue: str | None = None
    audience: str | None = None
    accessibility: tuple[str, ...] = ()  # every one of these flags (`domain/accessibility`)
    start: date | None = None
    end: date | None = None
    limit: int = field(default=MAX_EVENTS, compare=True)

    def window(self, today: date) -> tuple[date, date]:
        """First and last day shown: yesterday → +12 months unless `from`/`to` say otherwise."""
        first = self.start or today - timedelta(days=1)
        last = self.end or today + timedelta(days=DEFAULT_DAYS_AHEAD)
        return first, last

    def bounds(self, today: date) -> tuple[datetime, datetime]:
        """The window as UTC instants (UTC: comparisons with stored spans stay cheap)."""
        first, last = self.window(today)
        return (
            datetime.combine(first, time(), tzinfo=PARIS).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(), tzinfo=PARIS).astimezone(UTC),
        )

    @property
    def unfiltered(self) -> bool:
        return not (
            self.associations
            or self.theme
            or self.quartier
            or self.venue
            or self.audience
            or self.accessibility
        )

    def matches(self, listing: Listing) -> bool:
        if self.associations and listing.association not in self.associations:
            return False
        if self.theme is not None and self.theme not in listing.themes:
            return False
        if self.quartier is not None and listing.quartier != self.quartier:
            return False
        if self.venue is not None and listing.venue != self.venue:
            return False
        if self.audience is not None and self.audience not in listing.audience:
            return False
        return all(flag in listing.accessibility for flag in self.accessibility)

    def cache_key(self) -> tuple[object, ...]:
        return (
            tuple(sorted(self.associations)),
            self.theme,
            self.quartier,
            self.venue,
            self.audience,
            self.accessibility,
            self.start,
            self.end,
            self.limit,
        )
