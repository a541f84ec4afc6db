"""An association asks: the rules, its own agenda event, the season's maximum (claimed by
compare-and-set, `handlers.season`), warnings; stored, then announced."""

from __future__ import annotations

import secrets

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.errors import RequestRefused
from vieasso.ressources.domain.fairness import municipal_warning
from vieasso.ressources.domain.loans import Loan, LoanLine, LoanState, Transition
from vieasso.ressources.domain.requests import Entry, LoanRequest, check_request
from vieasso.ressources.handlers.facts import loan_fact
from vieasso.ressources.handlers.season import claim_season
from vieasso.ressources.handlers.spans import span_of
from vieasso.ressources.handlers.unit import Lending

EVENT_NOT_YOURS = "Choisissez l'un des événements à venir de votre association."


def new_loan_id() -> str:
    return f"pret-{secrets.token_hex(6)}"


async def request_loan(unit: Lending, slug: str, request: LoanRequest) -> Loan:
    """Store a new request (state `requested`) or raise `RequestRefused` with the reasons."""
    entries: dict[tuple[ResourceKind, str], Entry | None] = {}
    for line in request.lines:
        entries[(line.kind, line.resource_id)] = await unit.entry(line.kind, line.resource_id)
    errors = check_request(request, entries, unit.today(), unit.closed)
    if request.event_id is not None and not await unit.own_event(slug, request.event_id):
        errors.append(("event_id", EVENT_NOT_YOURS))
    if errors:
        raise RequestRefused(errors)
    period = request.period
    loan_id = new_loan_id()
    await claim_season(unit, slug, period, loan_id)
    warnings = [w for w in (municipal_warning(unit.fairness, period),) if w]
    for line in request.lines:
        entry = entries[(line.kind, line.resource_id)]
        if entry is None:  # pragma: no cover - check_request refused it
            continue
        first, last = span_of(entry, period)
        free = unit.availability.mirror.free(line.kind, entry.id, entry.stock, first, last)
        if free < line.quantity:
            warnings.append(
                f"« {entry.name} » : {free} disponible(s) aujourd'hui pour ces dates ; la Ville "
                "vous répondra selon les annulations."
            )
    now = unit.clock.now()
    loan = Loan(
        id=loan_id,
        association_slug=slug,
        lines=tuple(
            LoanLine(resource_id=line.resource_id, kind=line.kind, requested=line.quantity)
            for line in request.lines
        ),
        period=period,
        event_id=request.event_id,
        note=request.note,
        warnings=tuple(warnings),
        history=(Transition(state=LoanState.REQUESTED, at=now, by="association"),),
        created_at=now,
        updated_at=now,
    )
    await unit.loans.write(loan, last=0)
    await loan_fact(unit.publish, loan)
    await unit.after_step(loan)
    return loan
