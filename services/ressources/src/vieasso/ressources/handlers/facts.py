"""Loan facts, published after the loan is stored, with a deterministic message id.

The id is `uuid5(loan id / step number / state)`: publishing the same step again (a retry,
the start-up catch-up of recent changes) gives the same ``Nats-Msg-Id``, which JetStream
drops inside its duplicate window.
"""

from __future__ import annotations

import uuid

from vieasso.common import subjects
from vieasso.common.messages.ressources import LoanFact
from vieasso.common.nats.publish import Publish
from vieasso.ressources.domain.loans import FACT_OF, Loan

NAMESPACE = uuid.UUID("0b7a3c52-1f0e-4d8e-a6c4-7e2d9b51f3a8")


def fact_id(loan: Loan) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"ressources_loans/{loan.id}/{len(loan.history)}/{loan.state}")


async def loan_fact(publish: Publish, loan: Loan) -> None:
    change = FACT_OF[loan.state]
    fact = LoanFact(
        message_id=fact_id(loan),
        occurred_at=loan.updated_at,
        loan_id=loan.id,
        association_slug=loan.association_slug,
        change=change,
        starts_on=loan.period.starts_on,
        ends_on=loan.period.ends_on,
        lines=tuple(line.public() for line in loan.lines),
        event_id=loan.event_id,
    )
    await publish(subjects.loan(loan.association_slug, change), fact)
