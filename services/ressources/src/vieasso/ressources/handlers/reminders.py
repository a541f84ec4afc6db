"""The lending sweeper's mails: the reminders the day before pickup and the day before the
return (Europe/Paris, from `from_hour` o'clock), and the mails of recent steps asked again.

Each reminder has one key per loan (`domain.mail_keys`): run twice, by one process or by two
replicas, the newsletter still mails it once. Rooms have no pickup or return: a loan of
rooms only (or whose equipment was not granted) is not reminded; a basket with
equipment is reminded of its equipment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.publish import PublishError
from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.mail_keys import PARIS, Owed, reminder_due
from vieasso.ressources.handlers.mails import LoanMails

log = logging.getLogger(__name__)


async def send_reminders(
    mails: LoanMails, loans: Iterable[Loan], now: datetime, *, from_hour: int
) -> list[str]:
    """Ask the reminders due at `now`; the ids of the loans reminded by this call."""
    reminded = []
    for loan in list(loans):
        owed = reminder_due(loan, now, from_hour)
        if owed is None or not any(
            line.kind is ResourceKind.EQUIPMENT and line.granted for line in loan.lines
        ):
            continue
        day = loan.period.starts_on if owed is Owed.RAPPEL_RETRAIT else loan.period.ends_on
        # remembered until the day it is about: a later round asks nothing again
        until = datetime.combine(day + timedelta(days=1), time(), tzinfo=PARIS)
        try:
            if await mails.send(loan, owed, until):
                reminded.append(loan.id)
        except (PublishError, StorageError) as exc:
            log.warning("reminders not asked yet", extra={"reason": str(exc)})
            break  # NATS is away: the next round asks them
        except ValueError:
            log.exception("reminder refused by its template", extra={"loan": loan.id})
    return reminded


async def sweep_mails(
    mails: LoanMails, loans: Iterable[Loan], now: datetime, *, window: timedelta, from_hour: int
) -> tuple[int, list[str]]:
    """One round: the mails of the steps of the last `window` not asked yet, then the
    reminders due; (how many step mails, loans reminded)."""
    items = list(loans)
    replayed = await mails.replay(items, now - window)
    return replayed, await send_reminders(mails, items, now, from_hour=from_hour)
