"""The alert mails 30 and 7 days before each deadline of an aid an association follows.

Pure: from the associations' files (their follows), the schemes and today (Europe/Paris),
the alerts due. The 30-day alert is due from 30 days before the last day until the 7-day
alert takes over (an aid followed 12 days before its deadline gets it at once); the 7-day
alert from 7 days before until the last day included. A yearly window gets its alerts
every year (its next closing). Each alert has a key unique to the association, the aid,
the deadline and the lead: the newsletter sends each key once, so the daily sweep may ask
it every day of its span without mailing twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from vieasso.aides.domain.deadlines import next_closing
from vieasso.aides.domain.follows import AssociationFile
from vieasso.aides.domain.schemes import AidScheme

LEADS = (30, 7)  # days before the last day, the longest first


@dataclass(frozen=True, slots=True)
class Alert:
    association: str
    scheme: AidScheme
    deadline: date
    lead: int  # 30 or 7
    days_left: int

    @property
    def key(self) -> str:
        """``aide.<scheme>.<deadline>.<lead>.<association>`` (the mail's idempotency key)."""
        return f"aide.{self.scheme.id}.{self.deadline.isoformat()}.{self.lead}.{self.association}"


def lead_for(days_left: int) -> int | None:
    """The alert due with `days_left` days to go (0: the last day), or None."""
    if days_left < 0:
        return None
    due = [lead for lead in LEADS if days_left <= lead]
    return min(due) if due else None


def alerts_due(
    files: Iterable[AssociationFile], schemes: Mapping[str, AidScheme], today: date
) -> list[Alert]:
    """The alerts due today for the published aids each association follows."""
    found: list[Alert] = []
    for file in files:
        for follow in file.follows:
            scheme = schemes.get(follow.scheme_id)
            if scheme is None or not scheme.published:
                continue
            closes = next_closing(scheme.deadlines, today)
            if closes is None:
                continue
            days_left = (closes - today).days
            lead = lead_for(days_left)
            if lead is not None:
                found.append(Alert(file.slug, scheme, closes, lead, days_left))
    return sorted(found, key=lambda a: (a.deadline, a.association, a.scheme.id))
