"""The public page of an event: HTML (Jinja2, autoescaped) with its schema.org JSON-LD."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from vieasso.agenda.adapters import jsonld
from vieasso.agenda.adapters.text import headline, price, when, where
from vieasso.agenda.domain.model import StoredEvent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("vieasso.agenda", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def webcal(url: str) -> str:
    """The same feed URL with the scheme calendar applications subscribe to."""
    return "webcal://" + url.split("://", 1)[1]


def event_page(record: StoredEvent, public_url: str) -> bytes:
    event = record.event
    c = event.content
    association_feed = f"{public_url}/feeds/associations/{event.association}.ics"
    html = (
        _environment()
        .get_template("event.html")
        .render(
            event=event,
            content=c,
            title=headline(event),
            when=when(event),
            where=where(event),
            price=price(event),
            cancelled=record.cancelled,
            ics_url=f"{event.url}.ics",
            association_webcal=webcal(association_feed),
            city_webcal=webcal(f"{public_url}/feeds/agenda.ics"),
            jsonld=Markup(jsonld.page_document(event)),  # noqa: S704 - JSON with </ escaped
        )
    )
    return html.encode()


def not_found() -> str:
    return _environment().get_template("not_found.html").render()
