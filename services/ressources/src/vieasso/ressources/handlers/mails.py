"""The lending mails the ressources service asks the newsletter for (SPEC §8, issue 15).

- a new request → ``pret-demande`` to the city's lending team (`LENDING_TEAM`);
- a decision (approved in full or in part, refused) → ``pret-decision`` to the association;
- an approved or ready loan cancelled by the association → ``pret-annule`` to the team;
- a loan found overdue → ``pret-retard`` to the association;
- the reminders before pickup and return: `handlers.reminders`.

Order: each use case stores the loan, publishes its fact, then calls `LoanMails.after_step`
(the `Lending.after_step` hook), which asks the mail the step owes under its key
(`domain.mail_keys`). A mail that cannot be asked then (JetStream did not acknowledge, or
the process died between the loan's write and the request) is not lost: `replay` asks the
mails of every step taken within a window again, at start and at each sweep. The newsletter
sends each key at most once, so asking again never mails twice; keys this process asked
already are remembered (`asked`) so that a sweep asks nothing twice itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vieasso.common.courrier import request_mail
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.courrier import (
    LENDING_TEAM,
    Recipient,
    Template,
    ToAssociation,
    ToCity,
)
from vieasso.common.nats.publish import Publish, PublishError
from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.adapters.entries import Entries
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.mail_keys import Owed, mail_key, owed_by, steps_since
from vieasso.ressources.handlers import mail_params as p

log = logging.getLogger(__name__)

SERVICE = "ressources"
TEMPLATES = {
    Owed.DEMANDE: Template.PRET_DEMANDE,
    Owed.DECISION: Template.PRET_DECISION,
    Owed.ANNULE: Template.PRET_ANNULE,
    Owed.RAPPEL_RETRAIT: Template.PRET_RAPPEL_RETRAIT,
    Owed.RAPPEL_RETOUR: Template.PRET_RAPPEL_RETOUR,
    Owed.RETARD: Template.PRET_RETARD,
}
TO_TEAM = frozenset({Owed.DEMANDE, Owed.ANNULE})


@dataclass
class LoanMails:
    publish: Publish
    entries: Entries
    directory: DirectoryView
    base_url: str
    asked: dict[str, datetime] = field(default_factory=dict)  # key → when its step was taken

    async def after_step(self, loan: Loan) -> None:
        """The mail the loan's last step owes. Never raises: the loan is stored already, and
        a mail not asked now is asked by the next `replay`."""
        try:
            await self.ask(loan, len(loan.history) - 1)
        except (PublishError, StorageError) as exc:
            log.warning("loan mail not asked yet", extra={"loan": loan.id, "reason": str(exc)})
        except ValueError:  # a bug in the parameters: the replay will log it again
            log.exception("loan mail refused by its template", extra={"loan": loan.id})

    async def ask(self, loan: Loan, index: int) -> bool:
        """Ask the mail step `index` of the loan owes, unless asked already; True if asked."""
        owed = owed_by(loan, index)
        if owed is None:
            return False
        step = loan.history[index]
        return await self.send(loan, owed, step.at, reason=step.reason, state=step.state)

    async def send(self, loan: Loan, owed: Owed, at: datetime, **step: Any) -> bool:
        key = mail_key(loan.id, owed)
        if key in self.asked:
            return False
        ctx = await self.context(loan)
        params = _params(ctx, owed, **step)
        to: Recipient = (
            ToCity(city=LENDING_TEAM)
            if owed in TO_TEAM
            else ToAssociation(association=loan.association_slug)
        )
        await request_mail(
            self.publish, SERVICE, key=key, to=to, template=TEMPLATES[owed], params=params
        )
        self.asked[key] = at
        return True

    async def context(self, loan: Loan) -> p.Context:
        entries = {
            line.resource_id: await self.entries.read(line.kind, line.resource_id)
            for line in loan.lines
        }
        return p.Context(loan, entries, self.directory, self.base_url)

    async def replay(self, loans: Iterable[Loan], since: datetime) -> int:
        """Ask again the mails of the steps taken since `since` that this process has not
        asked (after a crash, a refused publish); how many were asked. Forgets older keys."""
        self.asked = {key: at for key, at in self.asked.items() if at >= since}
        count = 0
        for loan in list(loans):
            for index, _ in steps_since(loan, since):
                try:
                    count += await self.ask(loan, index)
                except ValueError:
                    log.exception("loan mail refused by its template", extra={"loan": loan.id})
                except (PublishError, StorageError) as exc:
                    log.warning("loan mails not asked yet", extra={"reason": str(exc)})
                    return count  # NATS is away: the next round asks them
        return count


def _params(ctx: p.Context, owed: Owed, **step: Any) -> dict[str, Any]:
    if owed is Owed.DEMANDE:
        return p.demande(ctx)
    if owed is Owed.DECISION:
        return p.decision(ctx, step["state"], step.get("reason"))
    if owed is Owed.ANNULE:
        return p.annule(ctx, step.get("reason"))
    if owed is Owed.RAPPEL_RETRAIT:
        return p.rappel_retrait(ctx)
    if owed is Owed.RAPPEL_RETOUR:
        return p.rappel_retour(ctx)
    return p.retard(ctx)
