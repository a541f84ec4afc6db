"""The agenda's pages: templates on the shared layout (vieasso.common.web), answers in HTML.

The public page of an event is rendered once per version of the event (its bytes are kept
in the catalog like its VEVENT); the other pages are rendered per request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from vieasso.agenda.adapters import jsonld
from vieasso.agenda.adapters.labels import AUDIENCES
from vieasso.agenda.adapters.posters import shown
from vieasso.agenda.adapters.text import accessible, disabilities, headline, price, when, where
from vieasso.agenda.domain.accessibility import of_venue
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.settings import Settings
from vieasso.common.web import page_templates

PACKAGE = Path(__file__).resolve().parent.parent
PRIVATE = {"Cache-Control": "no-store"}
"""Pages of the association and city spaces: personal, never kept by a cache."""


def webcal(url: str) -> str:
    """The same feed URL with the scheme calendar applications subscribe to."""
    return "webcal://" + url.split("://", 1)[1]


class Pages:
    def __init__(self, settings: Settings, public_url: str) -> None:
        self.templates = page_templates(PACKAGE, settings)
        self.public_url = public_url

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        private: bool = False,
    ) -> HTMLResponse:
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        if private:
            response.headers.update(PRIVATE)
        return response

    def message(
        self,
        request: Request,
        status: int,
        title: str,
        text: str,
        *,
        link: tuple[str, str] | None = None,
    ) -> HTMLResponse:
        """A short page saying why the request was refused (404, 403, 401…)."""
        context = {"title": title, "text": text, "link": link}
        return self.render(request, "message.html.j2", context, status=status, private=True)

    def event_page(self, record: StoredEvent) -> bytes:
        event = record.event
        association_feed = f"{self.public_url}/feeds/associations/{event.association}.ics"
        html = self.templates.get_template("event.html.j2").render(
            event=event,
            content=event.content,
            title=headline(event),
            when=when(event),
            where=where(event),
            price=price(event),
            accessible=accessible(event),
            venue_accessible=disabilities(of_venue(event)),
            cancelled=record.cancelled,
            audiences=[AUDIENCES[a.value] for a in event.content.audience],
            ics_url=f"{event.url}.ics",
            association_webcal=webcal(association_feed),
            city_webcal=webcal(f"{self.public_url}/feeds/agenda.ics"),
            jsonld=Markup(jsonld.page_document(event)),  # noqa: S704 - JSON with </ escaped
            poster=shown(event.poster),
        )
        return html.encode()
