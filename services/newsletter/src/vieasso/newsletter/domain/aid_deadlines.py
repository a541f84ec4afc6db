"""Aid deadlines in the associations' letter (aides, issue 16): the published schemes as
their facts tell them, the next deadline of each, and the items of the letter.

The facts carry a scheme's public fields only: its themes, quartiers and whether it is for
employers, for associations without staff or for either — the plain criteria the letter
applies itself (`domain.letter.aid_for`). The answers an association gives in the aides
service (budget, volunteers, project dates) stay there: the letter says the aid may suit
and links to the association's aides page, where the full matching gives the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vieasso.common.messages.aides import SchemePublic
from vieasso.newsletter.domain.content import Item
from vieasso.newsletter.domain.subscriber import Topic

AID_DAYS = 60  # deadlines within this many days of the edition go in the letter
NOTE = "Date limite pour demander cette aide"


def next_deadline(scheme: SchemePublic, day: date) -> date | None:
    """The scheme's next last day to apply from `day` on (a yearly window: every year)."""
    if scheme.next_deadline is not None and scheme.next_deadline >= day:
        return scheme.next_deadline
    if scheme.yearly_deadline is None:
        return None
    month, dom = (int(part) for part in scheme.yearly_deadline.split("-"))
    this_year = _day(day.year, month, dom)
    return this_year if this_year >= day else _day(day.year + 1, month, dom)


def _day(year: int, month: int, dom: int) -> date:
    """29 February (refused by the aides, not by the fact's pattern) is the 28th in a
    common year; a day past its month's end is its last day."""
    while True:
        try:
            return date(year, month, dom)
        except ValueError:
            dom -= 1


def deadline_items(
    schemes: Iterable[SchemePublic], day: date, zone: ZoneInfo, aides_url: str
) -> list[Item]:
    """The schemes whose next deadline falls within `AID_DAYS` of `day`, soonest first."""
    horizon = day + timedelta(days=AID_DAYS)
    found = []
    for scheme in schemes:
        deadline = next_deadline(scheme, day)
        if deadline is None or deadline >= horizon:
            continue
        found.append(
            Item(
                key=f"d:{scheme.id}",
                topic=Topic.EVENEMENTS,
                title=scheme.name,
                url=f"{aides_url}/aides/{scheme.id}",
                when=datetime.combine(deadline, time(0, 0), tzinfo=zone),
                all_day=True,
                text=scheme.short_description,
                by=", ".join(scheme.funders),
                themes=frozenset(scheme.themes),
                quartiers=frozenset(scheme.quartiers),
                employs_staff=scheme.employs_staff,
                note=NOTE,
            )
        )
    return sorted(found, key=lambda i: (i.when, i.key))
