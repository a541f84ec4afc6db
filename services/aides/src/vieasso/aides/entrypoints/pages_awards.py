"""The grants the city awarded (`/espace-ville/aides/attributions`): the list and the form
to record one (city staff only); ``/export/aides-attributions.csv`` gives them in the SCDL
*subventions* format (public open data, `domain.awards`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.aides.domain.awards import SCDL_COLUMNS, Nature, Payment, scdl_rows
from vieasso.aides.domain.errors import InvalidInput
from vieasso.aides.domain.schemes import SchemeOrigin
from vieasso.aides.entrypoints.exports import CSV_FILE, answer
from vieasso.aides.entrypoints.pages_support import CITY, Pages
from vieasso.aides.handlers.awards import record_award
from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.spreadsheet import csv_bytes
from vieasso.common.web import form_errors

PATH = f"{CITY}/attributions"
EXPORT = "/export/aides-attributions.csv"
NATURES = [(n.value, n.value.capitalize()) for n in Nature]
PAYMENTS = [(Payment.ONCE.value, "En une fois"), (Payment.INSTALMENTS.value, "En plusieurs fois")]


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter()
    source = pages.source

    def page(request: Request, values: dict[str, Any], errors: dict[str, str], status: int,
             notice: str | None = None) -> Response:  # fmt: skip
        awards = sorted(
            source.awards.values(), key=lambda a: (a.convention_date, a.id), reverse=True
        )
        associations = sorted(
            (a for a in source.directory.associations()
             if a.state is AssociationState.VALIDATED),
            key=lambda a: (a.name.casefold(), a.slug),
        )  # fmt: skip
        schemes = sorted(
            (s for s in source.schemes().store.values() if s.source.origin is SchemeOrigin.CITY),
            key=lambda s: (s.name.casefold(), s.id),
        )
        context = {
            "awards": awards, "values": values, "errors": errors, "notice": notice,
            "associations": [(a.slug, a.name) for a in associations],
            "schemes": {s.id: s.name for s in schemes}, "natures": NATURES,
            "payments": PAYMENTS, "export": EXPORT,
        }  # fmt: skip
        return pages.render(
            request, "aides_ville_attributions.html.j2", context, status=status, private=True
        )

    @router.get(PATH, include_in_schema=False)
    async def listing(request: Request, ok: str = "") -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        notice = "L'attribution est enregistrée." if ok else None
        return page(request, {}, {}, 200, notice)

    @router.post(PATH, include_in_schema=False)
    async def record(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        values = {k: v for k, v in (await bounded_form(request)).items() if isinstance(v, str)}
        try:
            await record_award(
                source.awards, source.schemes(), source.directory, source.clock, values
            )
        except InvalidInput as exc:
            return page(request, values, form_errors(exc), 422)
        return RedirectResponse(f"{PATH}?ok=1", status_code=303)

    @router.get(
        EXPORT, response_class=Response, responses=CSV_FILE, tags=["données ouvertes"],
        summary="Les subventions attribuées par la Ville (SCDL subventions 2.1.1, CSV)",
    )  # fmt: skip
    async def scdl_csv(request: Request) -> Response:
        settings = source.settings
        rows = scdl_rows(
            source.awards.values(), settings.aides_city_name, settings.aides_city_siret
        )
        body = csv_bytes(SCDL_COLUMNS, rows)
        return answer(request, body, "text/csv; charset=utf-8", "aides-attributions.csv")

    return router
