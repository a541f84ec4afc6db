"""The agenda's pages: templates on the shared layout (vieasso.common.web), answers in HTML.

The public page of an event is rendered once per version of the event (its bytes are kept
in the catalog like its VEVENT); the other pages are rendered per request.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from vieasso.agenda.adapters import jsonld
from vieasso.agenda.adapters.labels import AUDIENCES
from vieasso.agenda.adapters.posters import shown
from vieasso.agenda.adapters.text import accessible, disabilities, headline, price, when, where
from vieasso.agenda.domain.accessibility import of_venue
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.settings import Settings
from vieasso.common.web import page_templates
from vieasso.common.web.pages import PageRenderer

PACKAGE = Path(__file__).resolve().parent.parent
"""Pages of the association and city spaces: personal, never kept by a cache."""


def webcal(url: str) -> str:
    """The same feed URL with the scheme calendar applications subscribe to."""
    return "webcal://" + url.split("://", 1)[1]


class Pages(PageRenderer):
    def __init__(self, settings: Settings, public_url: str) -> None:
        self.templates = page_templates(PACKAGE, settings)
        self.public_url = public_url

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
