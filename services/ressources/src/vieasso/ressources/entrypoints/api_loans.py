"""Loans API (JSON, for tools and the pages): what is free for some dates, an association's
requests, the city's workflow.

Associations act with their API token (`Authorization: Bearer`) or their signed-in session;
the city with the admin token or its session. Bad input: 422 with French messages per field;
another association's loan: 404 (its existence is not disclosed).
"""

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.http.errors import invalid_response
from vieasso.common.messages.base import FieldError, Text
from vieasso.common.web import ServiceStarting, sessions_of
from vieasso.common.web.tokens import AssociationTokens, bearer_token, is_admin_token
from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.errors import LoanError, LoanNotFound, RequestRefused
from vieasso.ressources.domain.loans import LABELS, Loan, LoanState, Period
from vieasso.ressources.domain.requests import MAX_YEAR, MIN_YEAR, LoanRequest
from vieasso.ressources.handlers import decisions, steps
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.spans import catalogue_free
from vieasso.ressources.handlers.unit import Lending

# (no `from __future__ import annotations`: FastAPI reads these annotations at runtime)

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
LoanIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
AuthorizationHeader = Annotated[str | None, Header()]
UNAUTHORIZED = "Jeton d'accès ou session manquant ou invalide."
FORBIDDEN = "Ce jeton ne permet pas d'agir pour cette association."
CITY_ONLY = "Réservé au Service Vie associative de la Ville."
UNAVAILABLE = "Le stockage ne répond pas : rien n'a été enregistré, réessayez dans un instant."
MAX_RANGE_DAYS = 366


class LoansHost(Protocol):
    """What the router needs from the running service."""

    settings: RessourcesSettings

    def lending(self) -> Lending: ...

    def tokens(self) -> AssociationTokens: ...


class Decision(BaseModel):
    """The city's decision: units granted per line (fewer: partial), or a refusal's reason."""

    model_config = ConfigDict(extra="forbid")

    granted: list[Annotated[int, Field(ge=0, le=100_000)]] | None = Field(
        default=None, max_length=30, description="Units granted, one number per line."
    )
    reason: Text | None = Field(default=None, max_length=1000, description="Refusal: why.")


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(default="", max_length=1000)


def loan_view(loan: Loan) -> dict[str, Any]:
    body = loan.model_dump(mode="json", exclude={"pending"})
    body["state_label"] = LABELS[loan.state]
    body["partial"] = loan.partial
    return body


async def answer(action: Callable[[], Awaitable[Loan]], status: int = 200) -> JSONResponse:
    """Run a loan step: the loan as JSON, or its refusal in French."""
    try:
        loan = await action()
    except RequestRefused as refused:
        return invalid_response(
            [FieldError(field=f, message=m, code="rule") for f, m in refused.errors]
        )
    except LoanError as error:
        return JSONResponse({"detail": error.message}, status_code=error.status)
    except StorageError:
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503)
    return JSONResponse(loan_view(loan), status_code=status)


class Guards:
    """Who may act: FastAPI dependencies built on the running service."""

    def __init__(self, host: LoansHost) -> None:
        self.host = host

    def lending(self) -> Lending:
        try:
            return self.host.lending()
        except RuntimeError as exc:
            raise ServiceStarting from exc

    async def association(
        self,
        slug: SlugPath,
        request: Request,
        authorization: AuthorizationHeader = None,
    ) -> str:
        token = bearer_token(authorization)
        if token is None:
            if await sessions_of(request).association(request) == slug:
                return slug
            raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
        if is_admin_token(self.host.settings, token):
            return slug
        if await self.host.tokens().accepts(slug, token):
            return slug
        raise HTTPException(403, FORBIDDEN)

    async def city(self, request: Request, authorization: AuthorizationHeader = None) -> None:
        token = bearer_token(authorization)
        if token is None:
            if await sessions_of(request).city(request):
                return
            raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
        if not is_admin_token(self.host.settings, token):
            raise HTTPException(403, CITY_ONLY)


def build_router(host: LoansHost) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["prêts"])
    guards = Guards(host)
    _availability_route(router, guards)
    _association_routes(router, guards)
    _city_routes(router, guards)
    return router


def _availability_route(router: APIRouter, guards: Guards) -> None:
    @router.get("/disponibilites", summary="Ce qui est libre entre deux dates")
    async def availability(
        du: Annotated[date, Query(description="Premier jour (AAAA-MM-JJ).")],
        au: Annotated[date, Query(description="Dernier jour (AAAA-MM-JJ), inclus.")],
    ) -> JSONResponse:
        """Free units of every catalogue entry on every day from `du` to `au` (equipment:
        its buffer days after `au` included, as an approval would need them)."""
        century = f"Choisissez une date entre {MIN_YEAR} et {MAX_YEAR}."
        outside = [
            FieldError(field=name, message=century, code="range")
            for name, day in (("du", du), ("au", au))
            if not MIN_YEAR <= day.year <= MAX_YEAR
        ]
        if outside:  # the buffer days after 31/12/9999 are no date at all
            return invalid_response(outside)
        if au < du or au - du > timedelta(days=MAX_RANGE_DAYS):
            message = f"Choisissez une fin après le début, {MAX_RANGE_DAYS} jours au plus."
            return invalid_response([FieldError(field="au", message=message, code="range")])
        items = catalogue_free(guards.lending(), Period(starts_on=du, ends_on=au))
        return JSONResponse({"du": du.isoformat(), "au": au.isoformat(), "entries": items})


def _association_routes(router: APIRouter, guards: Guards) -> None:
    Association = Annotated[str, Depends(guards.association)]

    @router.post("/associations/{slug}/prets", summary="Demander un prêt", status_code=201)
    async def ask(body: LoanRequest, slug: Association) -> JSONResponse:
        """A basket (equipment and/or a room) for one period; 422 with the rules it breaks."""
        return await answer(lambda: request_loan(guards.lending(), slug, body), status=201)

    @router.get("/associations/{slug}/prets", summary="Les demandes de l'association")
    async def mine(slug: Association) -> JSONResponse:
        loans = guards.lending().loans.mirror.of_association(slug)
        return JSONResponse({"loans": [loan_view(loan) for loan in loans]})

    @router.post(
        "/associations/{slug}/prets/{loan_id}/annulation", summary="Annuler avant le retrait"
    )
    async def withdraw(loan_id: LoanIdPath, slug: Association) -> JSONResponse:
        async def act() -> Loan:
            unit = guards.lending()
            loan, _ = await unit.loans.get(loan_id)
            if loan.association_slug != slug:
                raise LoanNotFound
            return await steps.cancel(unit, loan_id, "association")

        return await answer(act)


def _city_routes(router: APIRouter, guards: Guards) -> None:
    city = [Depends(guards.city)]

    @router.get("/prets", summary="Toutes les demandes (Ville)", dependencies=city)
    async def every(etat: LoanState | None = None) -> JSONResponse:
        loans = sorted(
            guards.lending().loans.mirror.items.values(), key=lambda x: (x.created_at, x.id)
        )
        chosen = [loan_view(x) for x in loans if etat is None or x.state is etat]
        return JSONResponse({"loans": chosen})

    @router.post("/prets/{loan_id}/decision", summary="Accorder ou refuser", dependencies=city)
    async def decide(loan_id: LoanIdPath, body: Decision) -> JSONResponse:
        """`granted`: units per line (fewer than asked: a partial approval); or `reason`."""
        reason = (body.reason or "").strip()
        if reason:
            return await answer(lambda: decisions.refuse(guards.lending(), loan_id, reason))
        if body.granted is None:
            message = "Indiquez les unités accordées par ligne, ou le motif du refus."
            return invalid_response([FieldError(field="granted", message=message, code="missing")])
        granted = list(body.granted)
        return await answer(lambda: decisions.approve(guards.lending(), loan_id, granted))

    @router.post("/prets/{loan_id}/pret", summary="Prêt à retirer", dependencies=city)
    async def ready(loan_id: LoanIdPath) -> JSONResponse:
        return await answer(lambda: steps.mark_ready(guards.lending(), loan_id))

    @router.post("/prets/{loan_id}/retrait", summary="Retiré", dependencies=city)
    async def picked_up(loan_id: LoanIdPath) -> JSONResponse:
        return await answer(lambda: steps.pick_up(guards.lending(), loan_id))

    @router.post("/prets/{loan_id}/retour", summary="Rendu, avec son état", dependencies=city)
    async def returned(loan_id: LoanIdPath, body: steps.ReturnInput) -> JSONResponse:
        return await answer(lambda: steps.return_loan(guards.lending(), loan_id, body))

    @router.post("/prets/{loan_id}/annulation", summary="Annuler (Ville)", dependencies=city)
    async def cancel(loan_id: LoanIdPath, body: Reason) -> JSONResponse:
        """The reason is required: it is given to the association."""
        return await answer(lambda: steps.cancel(guards.lending(), loan_id, "ville", body.reason))
