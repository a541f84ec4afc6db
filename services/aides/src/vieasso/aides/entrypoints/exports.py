"""Open data of the aides: ``/export/aides.csv`` and ``/export/aides.json`` (the city's
published schemes, `domain.open_data`) and ``/export/aides-attributions.csv`` (the grants
the city awarded, in the SCDL *subventions* format, `domain.awards`). Public, cached five
minutes, strong ETags (304 when the client has these bytes)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vieasso.aides.domain import open_data
from vieasso.aides.domain.calendar import local_day
from vieasso.aides.entrypoints.pages_support import Pages
from vieasso.common.spreadsheet import csv_bytes

PUBLIC_CACHE = "public, max-age=300"
CSV_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Fichier CSV (UTF-8, virgules, RFC 4180).", "content": {"text/csv": {}}},
    304: {"description": "Inchangé depuis la version que le client a (ETag)."},
}
JSON_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Les dispositifs (JSON).", "content": {"application/json": {}}},
    304: {"description": "Inchangé depuis la version que le client a (ETag)."},
}


def answer(request: Request, body: bytes, media_type: str, name: str) -> Response:
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Cache-Control": PUBLIC_CACHE,
        "Content-Disposition": f'attachment; filename="{name}"',
    }
    given = request.headers.get("if-none-match", "")
    if any(tag.strip().removeprefix("W/") in (etag, "*") for tag in given.split(",") if tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(tags=["données ouvertes"])
    source = pages.source

    def rows() -> list[dict[str, Any]]:
        today = local_day(source.clock.now())
        schemes = open_data.exported(source.schemes().store.values())
        return [open_data.row(s, today) for s in schemes]

    @router.get(
        "/export/aides.csv", response_class=Response, responses=CSV_FILE,
        summary="Les dispositifs d'aide de la Ville (CSV, colonnes stables)",
    )  # fmt: skip
    async def schemes_csv(request: Request) -> Response:
        cells = (open_data.csv_cells(r) for r in rows())
        body = csv_bytes(open_data.COLUMNS, cells)
        return answer(request, body, "text/csv; charset=utf-8", "aides.csv")

    @router.get(
        "/export/aides.json", response_class=Response, responses=JSON_FILE,
        summary="Les dispositifs d'aide de la Ville (JSON, mêmes champs que le CSV)",
    )  # fmt: skip
    async def schemes_json(request: Request) -> Response:
        body = json.dumps(rows(), ensure_ascii=False, sort_keys=True).encode()
        return answer(request, body, "application/json", "aides.json")

    return router
