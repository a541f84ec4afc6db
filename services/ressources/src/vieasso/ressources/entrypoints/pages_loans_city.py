"""The city space's loans (`/espace-ville/prets`): the requests to decide, oldest first, with
the units free now for their dates and their warnings (season, municipal event); a decision
per request (units granted per line: as asked, fewer — a partial approval, with a reason —
or none — a refusal, with a reason); then « prêt préparé », « retiré », « rendu » (units
damaged or lost: the fee), and the loans overdue.

Every step goes through the loans' use cases (`handlers.decisions`, `handlers.steps`): a
decision another agent took first, or units taken meanwhile, come back as a French page
(409), never a 500."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.ressources.domain.errors import LoanError
from vieasso.ressources.domain.loans import Loan, LoanState, ReturnLine
from vieasso.ressources.entrypoints.pages_loans import (
    WHOLE_NUMBER,
    LoanSource,
    ShownLine,
    period_text,
    shown_lines,
    state_text,
    typed_words,
    units,
)
from vieasso.ressources.entrypoints.pages_support import Pages
from vieasso.ressources.handlers.decisions import REASON_NEEDED, approve, refuse
from vieasso.ressources.handlers.steps import ReturnInput, mark_ready, pick_up, return_loan
from vieasso.ressources.handlers.unit import Lending

SPACE = "/espace-ville/prets"
LoanIdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
PARTIAL_REASON = "Indiquez le motif de l'accord partiel : il sera communiqué à l'association."
RETURNED_SHOWN = 20
SHOWN = 20  # loans listed per section, oldest first; the heading gives the total
NOTICES = {
    "accordee": "La demande est accordée : l'association le voit dans son espace.",
    "partielle": "La demande est accordée en partie : l'association voit le motif.",
    "refusee": "La demande est refusée : l'association voit le motif.",
    "preparee": "Le prêt est noté préparé : l'association peut venir le retirer.",
    "retiree": "Le retrait est noté.",
    "rendue": "Le retour est noté.",
}
Errors = dict[str, dict[str, str]]  # loan id → field → French message
Step = Callable[[Lending, str], Awaitable[Loan]]
PAGE = "prets_ville.html.j2"
BACK = (SPACE, "Revenir aux prêts")
HTTP_422 = 422


class CityLoans:
    """The city space's loan pages (see the module's docstring)."""

    def __init__(self, pages: Pages, source: LoanSource) -> None:
        self.pages = pages
        self.source = source

    def render(
        self, request: Request, errors: Errors | None = None, typed: dict[str, str] | None = None
    ) -> Response:
        unit, store = self.source.lending(), self.source.catalogue().store
        loans = list(unit.loans.mirror.items.values())

        totals: dict[str, int] = {}

        def listed(name: str, *states: LoanState) -> list[tuple[Loan, list[ShownLine]]]:
            """The `SHOWN` oldest loans in `states` (the page stays light whatever the
            backlog; the count says how many wait)."""
            chosen = (x for x in loans if x.state in states)
            found = sorted(chosen, key=lambda x: (x.created_at, x.id))
            totals[name] = len(found)
            return [(x, shown_lines(unit, store, x)) for x in found[:SHOWN]]

        returned = sorted(
            (x for x in loans if x.state is LoanState.RETURNED),
            key=lambda x: (x.updated_at, x.id),
            reverse=True,
        )[:RETURNED_SHOWN]
        context = {
            "to_decide": listed("to_decide", LoanState.REQUESTED),
            "to_prepare": listed("to_prepare", LoanState.APPROVED),
            "ready": listed("ready", LoanState.READY),
            "out": listed("out", LoanState.PICKED_UP, LoanState.OVERDUE),
            "overdue": listed("overdue", LoanState.OVERDUE),
            "totals": totals,
            "shown": SHOWN,
            "returned": [(x, shown_lines(unit, store, x)) for x in returned],
            "association_name": self.name,
            "period_text": period_text,
            "state_text": state_text,
            "today": unit.today(),
            "errors": errors or {},
            "typed": typed or {},
            "space": SPACE,
            "notice": NOTICES.get(str(request.query_params.get("ok", ""))),
        }
        status = 422 if errors else 200
        return self.pages.render(request, PAGE, context, status=status, private=True)

    def name(self, slug: str) -> str:
        found = self.source.catalogue().directory.association(slug)
        return found.name if found is not None else slug

    def refused_step(self, request: Request, exc: LoanError) -> Response:
        title = "Décision impossible" if exc.status == HTTP_422 else "Impossible pour l'instant"
        return self.pages.message(request, exc.status, title, exc.message, link=BACK)

    def missing(self, request: Request) -> Response:
        return self.pages.message(request, 404, "Introuvable", "Ce prêt n'existe pas.", link=BACK)

    async def listing(self, request: Request) -> Response:
        if (refusal := await self.pages.refused(request)) is not None:
            return refusal
        return self.render(request)

    async def decide(self, request: Request, loan_id: LoanIdPath) -> Response:
        if (refusal := await self.pages.refused(request)) is not None:
            return refusal
        unit = self.source.lending()
        loan = unit.loans.mirror.items.get(loan_id)
        if loan is None:
            return self.missing(request)
        form = {k: str(v) for k, v in (await bounded_form(request)).items()}
        granted, errors = _grants(loan, form)
        reason, wrong = typed_words(form.get("motif", ""))
        partial = any(n < line.requested for n, line in zip(granted, loan.lines, strict=True))
        if wrong:
            errors["motif"] = wrong
        elif not errors and partial and not reason:
            errors["motif"] = PARTIAL_REASON if any(granted) else REASON_NEEDED
        if errors:
            return self.render(request, {loan_id: errors}, form | {"loan": loan_id})
        try:
            if not any(granted):
                await refuse(unit, loan_id, reason)
                done = "refusee"
            else:
                decided = await approve(unit, loan_id, granted, reason or None)
                done = "partielle" if decided.partial else "accordee"
        except LoanError as exc:
            return self.refused_step(request, exc)
        return RedirectResponse(f"{SPACE}?ok={done}", status_code=303)

    async def step(self, request: Request, loan_id: str, step: Step, done: str) -> Response:
        if (refusal := await self.pages.refused(request)) is not None:
            return refusal
        try:
            await step(self.source.lending(), loan_id)
        except LoanError as exc:
            return self.refused_step(request, exc)
        return RedirectResponse(f"{SPACE}?ok={done}", status_code=303)

    async def prepared(self, request: Request, loan_id: LoanIdPath) -> Response:
        return await self.step(request, loan_id, mark_ready, "preparee")

    async def picked_up(self, request: Request, loan_id: LoanIdPath) -> Response:
        return await self.step(request, loan_id, pick_up, "retiree")

    async def returned(self, request: Request, loan_id: LoanIdPath) -> Response:
        if (refusal := await self.pages.refused(request)) is not None:
            return refusal
        unit = self.source.lending()
        loan = unit.loans.mirror.items.get(loan_id)
        if loan is None:
            return self.missing(request)
        form = {k: str(v) for k, v in (await bounded_form(request)).items()}
        lines, errors = _returned_lines(loan, form)
        note, wrong = typed_words(form.get("note", ""))
        if wrong:
            errors["note"] = wrong
        if errors:
            return self.render(request, {loan_id: errors}, form | {"loan": loan_id})
        try:
            await return_loan(unit, loan_id, ReturnInput(lines=tuple(lines), note=note))
        except LoanError as exc:
            return self.refused_step(request, exc)
        return RedirectResponse(f"{SPACE}?ok=rendue", status_code=303)


def build_router(pages: Pages, source: LoanSource) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    space = CityLoans(pages, source)
    router.add_api_route("", space.listing, methods=["GET"])
    router.add_api_route("/{loan_id}/decision", space.decide, methods=["POST"])
    router.add_api_route("/{loan_id}/prepare", space.prepared, methods=["POST"])
    router.add_api_route("/{loan_id}/retire", space.picked_up, methods=["POST"])
    router.add_api_route("/{loan_id}/rendu", space.returned, methods=["POST"])
    return router


def _grants(loan: Loan, form: dict[str, str]) -> tuple[list[int], dict[str, str]]:
    granted: list[int] = []
    errors: dict[str, str] = {}
    for i, line in enumerate(loan.lines):
        name = f"accorde-{i}"
        n = units(form.get(name, str(line.requested)))
        if n is None:
            errors[name] = WHOLE_NUMBER
        elif n > line.requested:
            errors[name] = f"Au plus {line.requested} : le nombre d'unités demandées."
        granted.append(n or 0)
    return granted, errors


def _returned_lines(loan: Loan, form: dict[str, str]) -> tuple[list[ReturnLine], dict[str, str]]:
    lines: list[ReturnLine] = []
    errors: dict[str, str] = {}
    for i, line in enumerate(loan.lines):
        lent = line.granted or 0
        damaged, lost = units(form.get(f"endommage-{i}")), units(form.get(f"perdu-{i}"))
        for name, n in ((f"endommage-{i}", damaged), (f"perdu-{i}", lost)):
            if n is None:
                errors[name] = WHOLE_NUMBER
        if damaged is None or lost is None:
            continue
        if damaged + lost > lent:
            errors[f"perdu-{i}"] = f"{lent} unité(s) prêtée(s) : pas plus d'endommagées et perdues."
        elif damaged or lost:
            lines.append(ReturnLine(resource_id=line.resource_id, damaged=damaged, lost=lost))
    return lines, errors
