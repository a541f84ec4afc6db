"""The deadline calendar (ICS) of the aids, ``GET /feeds/aides.ics``:

- every published aid with a deadline (anyone); ``?theme=<code>``: those of a theme (and
  those open to every theme);
- ``?association=<slug>&jeton=<key>``: one association's matched aids (eligible or to
  check) and the aids it follows; the key of `vieasso.common.web.calendars` (what a
  calendar application can send), shown in the association's space. A wrong or revoked
  key, or an unknown association, gets a French 404 page.

Answers carry a strong ETag (304 when the client has these bytes). Bodies are rendered on
each request from the schemes in memory: the same stored schemes give the same bytes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from vieasso.aides.adapters.ics import deadlines_calendar
from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.feed import deadline_events
from vieasso.aides.domain.follows import AssociationFile
from vieasso.aides.domain.matching import matches
from vieasso.aides.domain.schemes import AidScheme
from vieasso.aides.entrypoints.pages_association import profile_of
from vieasso.aides.entrypoints.pages_support import Pages, PageSource
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.web import site_urls
from vieasso.common.web.calendars import calendar_response, feed_key, key_matches

PATH = "/feeds/aides.ics"
PURPOSE = b"vieasso-aides-feed"
PUBLIC_CACHE = "public, max-age=900"
PRIVATE_CACHE = "private, max-age=900"
NO_FEED = (
    "Ce calendrier n'existe pas, ou son adresse a été révoquée (l'association a reçu un "
    "nouveau jeton) : l'adresse à jour est dans l'espace association, page « Vos aides »."
)
Param = Annotated[str | None, Query(max_length=200)]
SlugParam = Annotated[str | None, Query(max_length=80, pattern=SLUG_PATTERN)]
CodeParam = Annotated[str | None, Query(max_length=40, pattern=SLUG_PATTERN)]
CALENDAR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Le calendrier (iCalendar).", "content": {"text/calendar": {}}},
    304: {"description": "Inchangé depuis la version que le client a (ETag)."},
    404: {
        "description": "Association inconnue, ou adresse révoquée : une page en français.",
        "content": {"text/html": {}},
    },
}


class Addresses:
    """The secret calendar address of each association."""

    def __init__(self, source: PageSource) -> None:
        self.source = source

    def _secret(self) -> str:
        return self.source.settings.admin_token.get_secret_value()

    async def _fingerprint(self, slug: str) -> str | None:
        return await self.source.sessions.store.association_credential(slug)

    async def allowed(self, slug: str, key: str) -> bool:
        fingerprint = await self._fingerprint(slug)
        return fingerprint is not None and key_matches(
            self._secret(), PURPOSE, slug, fingerprint, key
        )

    async def address(self, slug: str) -> str | None:
        fingerprint = await self._fingerprint(slug)
        if fingerprint is None:
            return None
        base = site_urls(self.source.settings).aides
        key = feed_key(self._secret(), PURPOSE, slug, fingerprint)
        return f"{base}{PATH}?association={slug}&jeton={key}"


def association_schemes(source: PageSource, slug: str) -> list[AidScheme]:
    """The association's matched aids (eligible or to check) and those it follows."""
    found = source.follows.get(slug)
    file = found.value if found else AssociationFile(slug=slug, updated_at=source.clock.now())
    profile = profile_of(source.directory.association(slug), file.answers)
    today = local_day(source.clock.now())
    schemes = source.schemes()
    chosen = {m.scheme.id: m.scheme for m in matches(profile, schemes.published(), today)}
    for follow in file.follows:
        if (stored := schemes.store.get(follow.scheme_id)) is not None:
            chosen.setdefault(follow.scheme_id, stored.value)
    return list(chosen.values())


def build_router(pages: Pages, addresses: Addresses) -> APIRouter:
    source = pages.source
    router = APIRouter(tags=["calendriers"])

    @router.get(
        PATH, summary="Dates limites des aides aux associations", responses=CALENDAR_RESPONSES
    )
    async def deadlines(
        request: Request,
        theme: CodeParam = None,
        association: SlugParam = None,
        jeton: Param = None,
    ) -> Response:
        settings = source.settings
        title = "Aides aux associations — dates limites"
        if association is not None or jeton is not None:
            if not association or not jeton or not await addresses.allowed(association, jeton):
                return pages.message(request, 404, "Calendrier introuvable", NO_FEED)
            record = source.directory.association(association)
            title = f"Aides pour {record.name if record else association} — dates limites"
            schemes = association_schemes(source, association)
            cache = PRIVATE_CACHE
        else:
            schemes = source.schemes().store.values()  # withdrawn ones: cancelled events
            cache = PUBLIC_CACHE
        if theme:
            schemes = [s for s in schemes if not s.themes or theme in s.themes]
            label = pages.theme_labels().get(theme, theme)
            title = f"{title} — {label}"
        today = local_day(source.clock.now())
        base = site_urls(settings).aides
        body = deadlines_calendar(title, deadline_events(schemes, today), base, settings.domain)
        return calendar_response(request, body, cache)

    return router
