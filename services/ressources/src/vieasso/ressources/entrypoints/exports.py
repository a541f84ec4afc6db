"""The loans of a year as a CSV for the city's yearly report (`domain.loan_report`).

- ``GET /espace-ville/prets/export.csv?annee=2027[&vue=synthese]``: a city session.
- ``GET /api/prets/export.csv?annee=2027[&vue=synthese]``: the admin token (Bearer) or a
  city session.

`vue=detail` (default): one row per loan line; `vue=synthese`: per association, then per
resource. What a French Excel opens by double-click (UTF-8 with a byte-order mark, `;`
between cells), no cell a spreadsheet would run as a formula (`vieasso.common.spreadsheet`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from vieasso.common.spreadsheet import csv_bytes
from vieasso.common.web.tokens import bearer_token, is_admin_token
from vieasso.ressources.domain import loan_report
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.domain.loans import LoanLine
from vieasso.ressources.entrypoints.pages_support import Pages, PageSource
from vieasso.ressources.handlers.unit import Lending

CSV = "text/csv; charset=utf-8"
MIN_YEAR, MAX_YEAR = 2000, 2099


class View(StrEnum):
    DETAIL = "detail"
    SUMMARY = "synthese"


class ExportSource(PageSource, Protocol):
    def lending(self) -> Lending: ...


Year = Annotated[
    int | None,
    Query(
        ge=MIN_YEAR, le=MAX_YEAR, description="Année des retraits (par défaut : l'année en cours)."
    ),
]
ViewQuery = Annotated[View, Query(description="`detail` : une ligne par ligne de prêt.")]


def loans_csv(source: ExportSource, year: int | None, view: View) -> Response:
    cat = source.catalogue()
    year = year or local_day(cat.clock.now()).year
    loans = loan_report.of_year(source.lending().loans.mirror.items.values(), year)

    def association_name(slug: str) -> str:
        found = cat.directory.association(slug)
        return found.name if found is not None else ""

    def entry_name(line: LoanLine) -> str:
        found = cat.store.get(line.kind, line.resource_id)
        return found.value.name if found is not None else ""

    summary = view is View.SUMMARY
    header: tuple[str, ...] = loan_report.SUMMARY_HEADER if summary else loan_report.DETAIL_HEADER
    rows = loan_report.summary_rows if summary else loan_report.detail_rows
    body = csv_bytes(header, rows(loans, association_name, entry_name), excel=True)
    name = f"prets-{year}{'-synthese' if summary else ''}.csv"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type=CSV, headers=headers)


def build_router(pages: Pages, source: ExportSource) -> APIRouter:
    router = APIRouter(tags=["prêts"])
    described: dict[int | str, dict[str, Any]] = {
        200: {"description": "CSV (UTF-8 avec BOM, « ; »).", "content": {"text/csv": {}}}
    }

    @router.get("/espace-ville/prets/export.csv", include_in_schema=False)
    async def city_export(
        request: Request, annee: Year = None, vue: ViewQuery = View.DETAIL
    ) -> Response:
        if (refused := await pages.refused(request)) is not None:
            return refused
        return loans_csv(source, annee, vue)

    @router.get(
        "/api/prets/export.csv",
        summary="Prêts d'une année, pour le bilan annuel (Ville)",
        responses=described,
    )
    async def api_export(
        request: Request, annee: Year = None, vue: ViewQuery = View.DETAIL
    ) -> Response:
        token = bearer_token(request.headers.get("authorization"))
        if token is not None:
            if not is_admin_token(source.settings, token):
                return JSONResponse(
                    {"detail": "Réservé au Service Vie Associative de la Ville."}, status_code=403
                )
        elif not await source.sessions.city(request):
            return JSONResponse(
                {"detail": "Jeton de la Ville requis."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return loans_csv(source, annee, vue)

    return router
