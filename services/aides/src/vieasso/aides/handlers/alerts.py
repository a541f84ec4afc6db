"""Asking the newsletter for the alert mails before the deadlines of followed aids
(``aide-echeance``, `domain.alerts`): a daily sweep over the follows and schemes the
service mirrors in memory.

The newsletter sends each key at most once, so a sweep may ask an alert again (after a
restart, the next day of its span) without mailing twice; keys this process asked already
are remembered (`asked`) so that a sweep does not publish them again. A refused publish
stops the sweep: the next one asks what is left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from vieasso.aides.domain.alerts import Alert, alerts_due
from vieasso.aides.domain.follows import AssociationFile
from vieasso.aides.domain.schemes import AidScheme
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation
from vieasso.common.nats.publish import Publish, PublishError

log = logging.getLogger(__name__)

SERVICE = "aides"


@dataclass
class AlertMails:
    publish: Publish
    base_url: str  # the aides service's public URL
    asked: set[str] = field(default_factory=set)

    async def sweep(
        self, files: Iterable[AssociationFile], schemes: Mapping[str, AidScheme], today: date
    ) -> list[str]:
        """Ask the alerts due today not asked yet; their keys."""
        due = alerts_due(files, schemes, today)
        current = {alert.key for alert in due}
        self.asked &= current  # forget the keys no longer due
        sent: list[str] = []
        for alert in due:
            if alert.key in self.asked:
                continue
            try:
                await self.ask(alert)
            except PublishError as exc:
                log.warning("deadline alerts not asked yet", extra={"reason": str(exc)})
                break
            self.asked.add(alert.key)
            sent.append(alert.key)
        return sent

    async def ask(self, alert: Alert) -> None:
        scheme = alert.scheme
        url = scheme.application.url
        params = {
            "scheme_name": scheme.name,
            "funders": ", ".join(scheme.funders)[:500],
            "deadline": alert.deadline,
            "days_left": alert.days_left,
            "scheme_url": f"{self.base_url}/aides/{scheme.id}",
            "application_url": str(url) if url else None,
            "follows_url": f"{self.base_url}/espace-association/aides",
        }
        await request_mail(
            self.publish, SERVICE, key=alert.key,
            to=ToAssociation(association=alert.association),
            template=Template.AIDE_ECHEANCE, params=params,
        )  # fmt: skip
