"""Editions: their deterministic id, their period, their record, and the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.newsletter import Frequency, LetterAudience

LETTER_PREFIX = "associations-"  # the associations' letter's edition ids: distinct ones


class EditionState(StrEnum):
    BUILDING = "building"  # deliveries being queued
    SENDING = "sending"  # every delivery queued; the senders work through them
    SENT = "sent"  # every delivery reached a final state


class Edition(BaseModel):
    """The record of one edition (KV ``newsletter_editions``, key ``edition.<id>``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    frequency: Frequency
    audience: LetterAudience = LetterAudience.HABITANTS
    state: EditionState
    period_start: AwareDatetime
    period_end: AwareDatetime
    created_at: AwareDatetime
    subject: str = ""
    recipients: int = Field(default=0, ge=0)
    distinct_contents: int = Field(default=0, ge=0)
    associations: int = 0
    missions: int = 0
    events: int = 0
    items: int = 0
    delivered: int = 0
    bounced: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0
    finished_at: AwareDatetime | None = None


def edition_id(frequency: Frequency, at: datetime, zone: ZoneInfo) -> str:
    """``2026-w48`` (ISO week) or ``2026-m11``: the same for every run in the same period,
    so two instances or a restart can never make two editions of one period."""
    local = at.astimezone(zone)
    if frequency is Frequency.MENSUELLE:
        return f"{local.year}-m{local.month:02d}"
    year, week, _ = local.isocalendar()
    return f"{year}-w{week:02d}"


@dataclass(frozen=True)
class Series:
    """The editions that follow one another: the residents' weekly or monthly digest, or
    the associations' letter (monthly), whose ids (``associations-2026-m12``) never meet
    the residents' ones."""

    frequency: Frequency
    audience: LetterAudience = LetterAudience.HABITANTS

    @classmethod
    def of(cls, which: Frequency | Series) -> Series:
        return which if isinstance(which, Series) else cls(which)

    @property
    def key(self) -> str:
        """Names the series' `last` edition in the editions bucket."""
        if self.audience is LetterAudience.ASSOCIATIONS:
            return self.audience.value
        return self.frequency.value

    def edition_id(self, at: datetime, zone: ZoneInfo) -> str:
        eid = edition_id(self.frequency, at, zone)
        return LETTER_PREFIX + eid if self.audience is LetterAudience.ASSOCIATIONS else eid


ASSOCIATIONS_LETTER = Series(Frequency.MENSUELLE, LetterAudience.ASSOCIATIONS)


def default_period_start(frequency: Frequency, end: datetime) -> datetime:
    """Start of the very first edition's period (no previous edition to follow)."""
    return end - (timedelta(days=31) if frequency is Frequency.MENSUELLE else timedelta(days=7))


def next_run(after: datetime, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The first scheduled moment strictly after `after` (local wall time, DST-aware)."""
    local = after.astimezone(zone)
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() != weekday:
            continue
        candidate = datetime.combine(candidate_day, at, tzinfo=zone)
        if candidate > local:
            return candidate.astimezone(after.tzinfo)
    raise AssertionError("a weekday always comes back within 8 days")


def frequencies_due(run_at: datetime, zone: ZoneInfo) -> tuple[Frequency, ...]:
    """Weekly every scheduled run; monthly on the first scheduled run of the month."""
    if run_at.astimezone(zone).day <= 7:  # noqa: PLR2004 - first week of the month
        return (Frequency.HEBDOMADAIRE, Frequency.MENSUELLE)
    return (Frequency.HEBDOMADAIRE,)


def next_monthly_run(after: datetime, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """The first scheduled moment strictly after `after` that falls in the first week of
    its month: the first Monday of the month at 08:00 for the associations' letter."""
    candidate = next_run(after, weekday, at, zone)
    while candidate.astimezone(zone).day > 7:  # noqa: PLR2004 - first week of the month
        candidate = next_run(candidate, weekday, at, zone)
    return candidate
