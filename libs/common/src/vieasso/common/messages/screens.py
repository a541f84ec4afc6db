"""Announcements on the city's screens (SPEC §8): the agenda's facts, without personal data.

An association asks for one of its events to be shown on chosen screens between two days;
once the city approves, the agenda publishes one `AnnouncementApproved` per screen on
``agenda.screens.<screen_id>.announcements.approved``; when it stops (the association
withdraws it, the city deletes the screen) one `AnnouncementWithdrawn` per screen.
Refusals and the city's reasons are mailed to the association and kept in the agenda's
bucket only.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from vieasso.common.messages.base import Message, Slug

SCREEN_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class AnnouncementFact(Message):
    """Which event is announced on which screen, and when (Paris days, inclusive)."""

    announcement_id: str = Field(pattern=r"^[a-z0-9]{1,40}$")
    screen_id: str = Field(pattern=SCREEN_ID_PATTERN, max_length=80)
    association: Slug
    event_id: str = Field(min_length=1, max_length=80)
    first_day: date
    last_day: date


class AnnouncementApproved(AnnouncementFact):
    """The city approved the announcement: the screen shows it from `first_day` on."""


class AnnouncementWithdrawn(AnnouncementFact):
    """The screen no longer shows the announcement (withdrawn, or the screen removed)."""
