"""Feeds and open data of entraide: ``/entraide.rss`` and ``/entraide.atom`` (the newest
open annonces, at most 100), ``/export/annonces.csv`` and ``/export/annonces.json`` (every
open annonce, public fields only: no reply, no report, no address). Hidden and closed
annonces are in none of them. Strong ETags: 304 when the client has these bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vieasso.common.spreadsheet import csv_bytes
from vieasso.ressources.adapters import annonces_feed as feed
from vieasso.ressources.domain.annonces import Annonce, Filters, shown
from vieasso.ressources.entrypoints.pages_entraide_support import EntraideSource

FEED_SIZE = 100
PUBLIC_CACHE = "public, max-age=300"


CSV_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Fichier CSV (UTF-8).", "content": {"text/csv": {}}}
}


def _answer(request: Request, body: bytes, media_type: str, name: str = "") -> Response:
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE}
    if name:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    given = request.headers.get("if-none-match", "")
    if any(tag.strip().removeprefix("W/") in (etag, "*") for tag in given.split(",") if tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def build_router(source: EntraideSource) -> APIRouter:
    router = APIRouter()

    def base() -> str:
        return source.settings.public_url("ressources")

    def open_annonces() -> list[Annonce]:
        return shown(source.entraide().store.annonces.items.values(), Filters(), {})

    @router.get("/entraide.rss", include_in_schema=False)
    async def entraide_rss(request: Request) -> Response:
        body = feed.rss(base(), open_annonces()[:FEED_SIZE])
        return _answer(request, body, "application/rss+xml; charset=utf-8")

    @router.get("/entraide.atom", include_in_schema=False)
    async def entraide_atom(request: Request) -> Response:
        body = feed.atom(base(), open_annonces()[:FEED_SIZE])
        return _answer(request, body, "application/atom+xml; charset=utf-8")

    @router.get(
        "/export/annonces.csv",
        summary="Annonces ouvertes (CSV, données ouvertes)",
        tags=["données ouvertes"],
        responses=CSV_FILE,
    )
    async def annonces_csv(request: Request) -> Response:
        rows = [feed.row(base(), a) for a in open_annonces()]
        body = csv_bytes(feed.COLUMNS, ([r[c] for c in feed.COLUMNS] for r in rows))
        return _answer(request, body, "text/csv; charset=utf-8", "annonces.csv")

    @router.get(
        "/export/annonces.json",
        summary="Annonces ouvertes (JSON, données ouvertes)",
        tags=["données ouvertes"],
    )
    async def annonces_json(request: Request) -> Response:
        rows = [feed.row(base(), a) for a in open_annonces()]
        body = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()
        return _answer(request, body, "application/json", "annonces.json")

    return router
