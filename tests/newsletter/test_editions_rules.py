"""Edition ids, periods and the schedule (pure rules, no NATS)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from vieasso.common.messages.newsletter import Frequency
from vieasso.newsletter.domain.edition import edition_id, frequencies_due, next_run

PARIS = ZoneInfo("Europe/Paris")


def test_every_run_in_the_same_week_has_the_same_edition_id() -> None:
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already Monday in Paris
    assert edition_id(Frequency.HEBDOMADAIRE, monday, PARIS) == "2026-w48"
    assert edition_id(Frequency.HEBDOMADAIRE, sunday_night, PARIS) == "2026-w49"
    assert edition_id(Frequency.MENSUELLE, monday, PARIS) == "2026-m11"


def test_next_run_is_monday_8_in_paris_across_daylight_saving() -> None:
    before_dst_end = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # Tuesday
    run = next_run(before_dst_end, 0, time(8, 0), PARIS)
    assert run.astimezone(PARIS).hour == 8
    assert run == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # winter time: UTC+1
    summer = next_run(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), 0, time(8, 0), PARIS)
    assert summer == datetime(2026, 6, 8, 6, 0, tzinfo=UTC)  # 08:00 was 06:00 UTC: passed


def test_monthly_edition_is_due_on_the_first_run_of_the_month() -> None:
    first_monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    second_monday = datetime(2026, 12, 14, 7, 0, tzinfo=UTC)
    assert Frequency.MENSUELLE in frequencies_due(first_monday, PARIS)
    assert frequencies_due(second_monday, PARIS) == (Frequency.HEBDOMADAIRE,)
