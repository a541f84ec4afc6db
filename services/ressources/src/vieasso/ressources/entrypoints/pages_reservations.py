"""The association space's reservations (`/espace-association/reservations`), date first:
the association picks its dates, sees what the city can lend then and in what quantity
(closed days and notice rules said in French), fills a basket (units of equipment, a room),
may link one of its upcoming agenda events, and sends it through the same use case as the
API (`handlers.requests.request_loan`). Below: its requests, their state, what was granted
per line, and « Annuler » until the pickup.

The session is the one opened on the annuaire's sign-in (vieasso.common.web.session);
another association's request answers 404, as if it did not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from vieasso.common.agenda_events import AgendaUnavailable, UpcomingEvent
from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.validation import french_errors
from vieasso.common.web import site_urls
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.domain.errors import AgendaDown, LoanError, RequestRefused
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.offer import closed_in, offer
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.entrypoints.pages_loans import (
    CANCELLABLE,
    LoanSource,
    reason_of,
    shown_lines,
    state_text,
)
from vieasso.ressources.entrypoints.pages_reservations_form import (
    errors_by_field,
    event_options,
    read_basket,
    read_period,
)
from vieasso.ressources.entrypoints.pages_support import RESERVATIONS, Pages
from vieasso.ressources.handlers.requests import EVENT_NOT_YOURS, request_loan
from vieasso.ressources.handlers.steps import cancel

LoanIdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
PAGE = "reservation_espace.html.j2"
CONFIRM = "reservation_annuler.html.j2"
NOTICES = {
    "envoyee": "Votre demande est envoyée au Service Vie associative : vous verrez ici sa réponse.",
    "annulee": "La demande est annulée : le matériel est rendu disponible aux autres associations.",
}
AGENDA_DOWN = AgendaDown().message


class Reservations:
    """The association space's reservation pages (see the module's docstring)."""

    def __init__(self, pages: Pages, source: LoanSource) -> None:
        self.pages = pages
        self.source = source
        self.sign_in = f"{site_urls(source.settings).annuaire}/espace-association/connexion"

    async def signed_in(self, request: Request) -> str | Response:
        slug = await self.source.sessions.association(request)
        if slug is not None:
            return slug
        if request.method == "GET":  # the dashboard it lands on links back here
            return RedirectResponse(self.sign_in, status_code=303)
        text = (
            "Connectez-vous à l'espace association pour réserver du matériel ou une salle, "
            "puis revenez sur cette page."
        )
        link = (self.sign_in, "Se connecter à l'espace association")
        return self.pages.message(request, 401, "Connexion nécessaire", text, link=link)

    async def events_of(self, slug: str) -> list[UpcomingEvent] | None:
        try:
            return await self.source.events(slug)
        except AgendaUnavailable:
            return None

    async def render(
        self,
        request: Request,
        slug: str,
        values: dict[str, Any],
        errors: dict[str, str],
        period: Period | None,
        *,
        status: int = 200,
    ) -> Response:
        cat, unit = self.source.catalogue(), self.source.lending()
        found = cat.directory.association(slug)
        offered = []
        if period is not None:
            store, mirror = cat.store, unit.availability.mirror
            offered = offer(
                [*store.models(), *store.rooms()],
                lambda e: mirror.allocations(e.kind, e.id),
                period,
                local_day(unit.clock.now()),
                cat.calendar(),
            )
        mine = unit.loans.mirror.of_association(slug)
        context = {
            "name": found.name if found is not None else slug,
            "values": values,
            "errors": errors,
            "period": period,
            "closed": closed_in(cat.calendar(), period) if period is not None else [],
            "models": [o for o in offered if o.entry.kind is ResourceKind.EQUIPMENT],
            "rooms": [o for o in offered if o.entry.kind is ResourceKind.ROOM],
            "event_options": [] if period is None else event_options(await self.events_of(slug)),
            "loans": [(loan, shown_lines(unit, cat.store, loan)) for loan in mine],
            "state_text": state_text,
            "reason_of": reason_of,
            "cancellable": CANCELLABLE,
            "notice": NOTICES.get(str(request.query_params.get("ok", ""))),
        }
        return self.pages.render(request, PAGE, context, status=status, private=True)

    async def reservations(self, request: Request) -> Response:
        slug = await self.signed_in(request)
        if isinstance(slug, Response):
            return slug
        values = dict(request.query_params)
        if not values.get("du") and not values.get("au"):
            return await self.render(request, slug, values, {}, None)
        period, errors = read_period(values)
        status = 422 if errors else 200
        return await self.render(request, slug, values, errors, period, status=status)

    async def send(self, request: Request) -> Response:
        slug = await self.signed_in(request)
        if isinstance(slug, Response):
            return slug
        form = await bounded_form(request)
        values = {k: str(v) for k, v in form.items()}
        period, errors = read_period(values)
        if period is None:
            return await self.render(request, slug, values, errors, None, status=422)
        lines, errors = read_basket(self.source.catalogue().store, form)
        event_id = values.get("evenement", "").strip() or None
        if event_id is not None:
            events = await self.events_of(slug)
            if events is None:
                errors["evenement"] = AGENDA_DOWN
            elif event_id not in {e.event.event_id for e in events}:
                errors["evenement"] = EVENT_NOT_YOURS
        if errors:
            return await self.render(request, slug, values, errors, period, status=422)
        return await self.ask(request, slug, values, period, lines=lines, event_id=event_id)

    async def ask(
        self,
        request: Request,
        slug: str,
        values: dict[str, str],
        period: Period,
        *,
        lines: list[RequestLine],
        event_id: str | None,
    ) -> Response:
        """The request through the use case; its refusals on the form's fields."""
        try:
            loan_request = LoanRequest(
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                first_half=period.first_half,
                last_half=period.last_half,
                lines=tuple(lines),
                event_id=event_id,
                note=" ".join(values.get("note", "").split())[:500],
            )
            await request_loan(self.source.lending(), slug, loan_request)
        except ValidationError as exc:  # a control character in the note
            shape = [(e.field, e.message) for e in french_errors(exc)]
            fields = errors_by_field(shape, lines)
        except RequestRefused as exc:
            fields = errors_by_field(exc.errors, lines)
        except AgendaDown:
            fields = {"evenement": AGENDA_DOWN}
        except LoanError as exc:  # too many requests at once (« réessayez »)
            back = (RESERVATIONS, "Vos réservations")
            title = "Demande non envoyée"
            return self.pages.message(request, exc.status, title, exc.message, link=back)
        else:
            return RedirectResponse(f"{RESERVATIONS}?ok=envoyee", status_code=303)
        return await self.render(request, slug, values, fields, period, status=422)

    async def cancel_request(self, request: Request, loan_id: LoanIdPath) -> Response:
        """Asks first (no script needed: the confirmation page posts again)."""
        slug = await self.signed_in(request)
        if isinstance(slug, Response):
            return slug
        unit = self.source.lending()
        loan = unit.loans.mirror.items.get(loan_id)
        back = (RESERVATIONS, "Vos réservations")
        if loan is None or loan.association_slug != slug:
            text = "Cette demande n'existe pas parmi celles de votre association."
            return self.pages.message(request, 404, "Demande introuvable", text, link=back)
        if (await bounded_form(request)).get("confirmation") != "oui":
            lines = shown_lines(unit, self.source.catalogue().store, loan)
            context = {"loan": loan, "lines": lines, "action": request.url.path}
            return self.pages.render(request, CONFIRM, context, private=True)
        try:
            await cancel(unit, loan_id, "association")
        except LoanError as exc:
            title = "Annulation impossible"
            return self.pages.message(request, exc.status, title, exc.message, link=back)
        return RedirectResponse(f"{RESERVATIONS}?ok=annulee", status_code=303)


def build_router(pages: Pages, source: LoanSource) -> APIRouter:
    router = APIRouter(prefix=RESERVATIONS, include_in_schema=False)
    space = Reservations(pages, source)
    router.add_api_route("", space.reservations, methods=["GET"])
    router.add_api_route("", space.send, methods=["POST"])
    router.add_api_route("/{loan_id}/annuler", space.cancel_request, methods=["POST"])
    return router
