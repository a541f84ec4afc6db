"""The city's page on the Aides-territoires sync (`/espace-ville/aides/synchronisation/bilan`:
under the aides' prefix, which the proxy sends here; two segments, so that no scheme id can
take it): whether a token is configured, and the last run's report (counts, skipped records
and why, pages, duration). Read-only; the sync runs on its schedule or with `vieasso-aides
sync`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from vieasso.aides.adapters.bucket import StorageError
from vieasso.aides.adapters.sync_state import SyncState
from vieasso.aides.config_sync import SyncSettings
from vieasso.aides.entrypoints.pages_support import CITY, Pages
from vieasso.aides.handlers.sync import NO_TOKEN

PATH = f"{CITY}/synchronisation/bilan"


def build_router(pages: Pages, state: SyncState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(PATH)
    async def sync_page(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        settings = pages.source.settings
        token = isinstance(settings, SyncSettings) and settings.aides_territoires_token is not None
        try:
            report = await state.report()
        except StorageError:
            text = "Le bilan de la synchronisation est momentanément illisible : réessayez."
            return pages.message(request, 503, "Indisponible", text)
        context = {"report": report, "no_token": None if token else NO_TOKEN}
        return pages.render(request, "aides_ville_sync.html.j2", context, private=True)

    return router
