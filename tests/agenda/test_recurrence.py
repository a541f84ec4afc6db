"""Recurrence rules from associations: every answer is a French reason or a bounded expansion.

dateutil searches a rule until the year 9999 when no date matches its BYxxx parts, never
moves with INTERVAL=0, and raises bare IndexError/OverflowError on some parts: each of these
once froze or crashed the agenda (issue 12). The timeouts below turn a hang into a failure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

from vieasso.agenda.domain.recurrence import (
    RecurrenceError,
    next_occurrence,
    parse_rule,
    span,
)
from vieasso.agenda.domain.rrule_bounds import Expansion, bounded, expand

TZ = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
END = datetime(2026, 12, 7, 12, 0, tzinfo=TZ)

pytestmark = pytest.mark.timeout(3)  # each rule takes milliseconds: more is a hang


def reason(text: str, start: datetime | date = START) -> str:
    with pytest.raises(RecurrenceError) as refused:
        parse_rule(text, start, TZ)
    return str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;INTERVAL=0;UNTIL=20271231T000000Z",  # used to hang rule.after() for ever
        "FREQ=DAILY;INTERVAL=0;COUNT=3",
        "FREQ=DAILY;INTERVAL=-1;COUNT=3",  # used to raise a bare ValueError (HTTP 500)
        "FREQ=WEEKLY;INTERVAL=-1;UNTIL=20271231T000000Z",
    ],
)
def test_an_interval_below_one_is_refused_in_french(text: str) -> None:
    assert "INTERVAL" in reason(text)
    assert "au moins 1" in reason(text)


@pytest.mark.parametrize(
    ("text", "most"),
    [
        ("FREQ=DAILY;INTERVAL=732;COUNT=2", 731),
        ("FREQ=WEEKLY;INTERVAL=105;COUNT=2", 104),
        ("FREQ=MONTHLY;INTERVAL=25;COUNT=2", 24),
        ("FREQ=YEARLY;INTERVAL=3;COUNT=2", 2),
        ("FREQ=DAILY;INTERVAL=99999999999999999999;COUNT=2", 731),
    ],
)
def test_an_interval_that_leaves_no_second_date_within_two_years_is_refused(
    text: str, most: int
) -> None:
    assert f"au plus {most}" in reason(text)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20271231T000000Z",  # 4.5 s to year 9999
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
        "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31;COUNT=3",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=10;COUNT=3",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-30;COUNT=3",
        "FREQ=DAILY;BYMONTH=1;BYYEARDAY=200;COUNT=2",
    ],
)
def test_a_rule_that_matches_no_date_is_refused_without_searching_for_ever(text: str) -> None:
    assert "aucune date" in reason(text)


def test_the_search_of_a_rule_that_matches_nothing_is_cut_by_the_bound() -> None:
    """Pins the dateutil internals the bound counts on (`rrule_bounds`): without them this
    search would end at the year 9999, not cut."""
    rule = rrulestr("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3", dtstart=START)
    assert expand(bounded(rule), 5) == Expansion((), cut=True)
    ordinary = rrulestr("FREQ=MONTHLY;COUNT=3", dtstart=START)
    assert len(expand(bounded(ordinary), 5).dates) == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("FREQ=DAILY;UNTIL=20200101T000000Z", "aucune date"),  # UNTIL before DTSTART
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;COUNT=-2", "COUNT"),
        ("FREQ=DAILY;COUNT=99999999999999999999999", "1000 au maximum"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;UNTIL=20281231T000000Z", "1000 au maximum"),
    ],
)
def test_a_rule_with_no_date_or_too_many_is_refused(text: str, words: str) -> None:
    assert words in reason(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("FREQ=YEARLY;BYEASTER=400;COUNT=2", "BYEASTER"),  # IndexError inside dateutil
        ("FREQ=MONTHLY;BYDAY=+60MO;COUNT=2", "BYDAY"),  # IndexError inside dateutil
        ("FREQ=DAILY;UNTIL=99999999999999999999T000000Z", "UNTIL"),  # OverflowError
        ("FREQ=DAILY;COUNT=2;BYDAY=MO(+1)", "BYDAY"),  # dateutil's syntax: breaks the ICS feed
        ("FREQ=DAILY;COUNT=2;COUNT=3", "COUNT"),
        ("FREQ=MONTHLY;BYMONTHDAY=40;COUNT=2", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTH=13;COUNT=2", "BYMONTH"),
        ("FREQ=WEEKLY;BYWEEKNO=60;COUNT=2", "BYWEEKNO"),
        ("FREQ=WEEKLY;BYYEARDAY=400;COUNT=2", "BYYEARDAY"),
        ("FREQ=YEARLY;BYSETPOS=400;COUNT=2", "BYSETPOS"),
        ("FREQ=DAILY;COUNT=2;X-NAME=1", "X-NAME"),
        ("FREQ=DAILY;COUNT=2;;", "invalide"),
        ("COUNT=2", "FREQ"),
        ("rrule:freq=weekly;count=3", "RRULE:FREQ"),  # the ICS feed wrote COUNT=3;RRULE:FREQ=…
    ],
)
def test_every_malformed_part_gets_a_french_reason_naming_it(text: str, words: str) -> None:
    assert words in reason(text)


def test_a_date_near_the_end_of_the_calendar_is_refused_not_crashed() -> None:
    assert reason("FREQ=DAILY;COUNT=3", datetime(9999, 12, 30, 10, 0, tzinfo=TZ))


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("FREQ=MONTHLY;BYDAY=2TU;COUNT=6", 6),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20271201T000000Z", 12),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20281231T000000Z", 1),
        ("FREQ=DAILY;UNTIL=20281206T000000Z", 730),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;COUNT=10", 10),
        ("freq=weekly;count=3", 3),
    ],
)
def test_ordinary_rules_are_accepted_with_all_their_dates(text: str, count: int) -> None:
    rule = parse_rule(text, START, TZ)
    assert len(list(rule)) == count


def test_a_stored_rule_that_matches_nothing_is_expanded_within_bounds() -> None:
    """A rule accepted before these checks (kept in the bucket) must not freeze a listing."""
    text = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20271231T000000Z"
    first, last = span(START, END, text, TZ)
    assert (first, last) == (START.astimezone(UTC), END.astimezone(UTC))
    found = next_occurrence(START, END, text, (), tz=TZ, after=datetime(2026, 12, 8, tzinfo=UTC))
    assert found is None
    day = date(2026, 12, 7)
    all_day = next_occurrence(day, day, text, (), tz=TZ, after=datetime(2027, 1, 1, tzinfo=UTC))
    assert all_day is None


def test_a_stored_rule_with_interval_zero_lists_its_next_date_without_hanging() -> None:
    text = "FREQ=DAILY;INTERVAL=0;UNTIL=20271231T000000Z"
    found = next_occurrence(START, END, text, (), tz=TZ, after=datetime(2026, 12, 8, tzinfo=UTC))
    assert found is None
    assert span(START, END, text, TZ)[0] == START.astimezone(UTC)
