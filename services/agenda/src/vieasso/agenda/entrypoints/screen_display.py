"""What a screen shows (`/ecran/{id}`): the full-screen page, its content and its data.

The page is plain HTML legible at five metres. A small script (`/static/ecran/ecran.js`) fetches
`/ecran/{id}/contenu` every minute and swaps the content in only when the answer is good
(200 and the screen's own marker header): when the server is unreachable or answers an
error, the last good content stays on the screen, and the next good answer replaces it by
itself. A browser without JavaScript reloads the page every five minutes (`<noscript>`
meta refresh): only there could an outage show the browser's own error page.
`/ecran/{id}.json|rss|ics` are the same rows for signage players (`screen_feeds.py`).
"""

from __future__ import annotations

import hashlib
from itertools import groupby
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response

from vieasso.agenda.adapters.screen_feeds import ScreenFeeds, ScreenFormat
from vieasso.agenda.adapters.screen_rows import SHOWN, ScreenView, State, data_row, hhmm, view
from vieasso.agenda.adapters.text import day as day_text
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.screens import Layout
from vieasso.agenda.entrypoints.conditional import send
from vieasso.common.http.headers import content_security_policy, origin

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

STATIC = FilePath(__file__).resolve().parent.parent / "static"
MARKER = "x-ecran"
ScreenIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
EMPTY = {
    Layout.NOW_NEXT: "Aucun événement prévu aujourd'hui ici.",
    Layout.TODAY: "Aucun événement prévu aujourd'hui.",
    Layout.WEEK: "Aucun événement prévu cette semaine.",
}


def _asset(name: str, media_type: str) -> tuple[bytes, str, str]:
    body = (STATIC / name).read_bytes()
    return body, f'"{hashlib.sha256(body).hexdigest()[:24]}"', media_type


ASSETS = {
    "ecran.js": _asset("ecran.js", "text/javascript; charset=utf-8"),
    "ecran.css": _asset("ecran.css", "text/css; charset=utf-8"),
}


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(tags=["écrans"])
    settings = wiring.settings
    public = origin(pages.public_url)
    csp = content_security_policy(settings, f"script-src 'self'; img-src 'self' {public}")
    versions = {name: etag.strip('"')[:12] for name, (_, etag, _) in ASSETS.items()}

    def labels() -> tuple[Any, Any]:
        directory = wiring.directory

        def quartier(code: str) -> str:
            found = directory.quartier(code)
            return found.label if found is not None else code

        def theme(code: str) -> str:
            found = directory.theme(code)
            return found.label if found is not None else code

        return quartier, theme

    def current(screen_id: str) -> ScreenView:
        wiring.agenda()  # 503 until the catalog is loaded: never an empty screen by mistake
        screen = wiring.screens().screen(screen_id)
        if screen is None:
            raise HTTPException(404, "Écran introuvable.")
        now = wiring.clock.now()
        shown = wiring.screens().shown_on(screen_id, now.astimezone(PARIS).date())
        return view(wiring.catalog, screen, now, shown)

    def context(found: ScreenView) -> dict[str, Any]:
        quartier, theme = labels()
        local = found.now.astimezone(PARIS)
        rows = [data_row(r, found, quartier, theme, "evenement") for r in found.rows]
        rows = rows[: SHOWN[found.screen.layout]]
        return {
            "screen": found.screen,
            "state": found.state,
            "State": State,
            "rows": rows,
            "days": [(day, list(group)) for day, group in groupby(rows, lambda r: r["day_label"])],
            "running": [r for r in rows if r["running"]],
            "next": [r for r in rows if not r["running"]],
            "announcements": [
                data_row(r, found, quartier, theme, "annonce") for r in found.announcements
            ],
            "clock": hhmm(local),
            "today": day_text(local.date()).rsplit(" ", 1)[0],
            "empty": EMPTY[found.screen.layout],
        }

    @router.get("/static/ecran/{name}", include_in_schema=False)
    async def asset(request: Request, name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404)
        body, etag, media_type = ASSETS[name]
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    @router.get("/ecran/{screen_id}.{ext}", summary="Données d'un écran (Xibo, RSS, iCal)")
    async def screen_data(request: Request, screen_id: ScreenIdPath, ext: ScreenFormat) -> Response:
        """`json`: lignes à plat pour un *Remote DataSet* de Xibo (racine des données
        `rows`, une colonne par clé); `rss`: bandeau défilant; `ics`: widget calendrier."""
        found = current(screen_id)
        quartier, theme = labels()
        feeds: ScreenFeeds = wiring.screen_feeds()
        response = send(request, feeds.render(ext, found, quartier, theme))
        response.headers["cache-control"] = "public, max-age=60"
        return response

    @router.get("/ecran/{screen_id}/contenu", include_in_schema=False)
    async def content(request: Request, screen_id: ScreenIdPath) -> Response:
        found = current(screen_id)
        response = pages.render(request, "screens/_content.html.j2", context(found))
        response.headers.update({"Cache-Control": "no-store", MARKER: screen_id})
        return response

    @router.get("/ecran/{screen_id}", include_in_schema=False)
    async def page(
        request: Request,
        screen_id: ScreenIdPath,
        rafraichir: Annotated[int, Query(ge=2, le=3600)] = 60,
    ) -> Response:
        found = current(screen_id)
        extra = {"refresh": rafraichir, "versions": versions, "marker": screen_id}
        response = pages.render(request, "screens/screen.html.j2", context(found) | extra)
        response.headers.update({"Cache-Control": "no-store", "content-security-policy": csp})
        return response

    return router
