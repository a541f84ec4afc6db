"""Jinja2 environment of a service's pages, and the shared stylesheet route.

`page_templates` looks in the service's own `templates/` first, then in the common one
(`layout.html.j2`, `_forms.html.j2`), so a service page starts with
`{% extends "layout.html.j2" %}` and `{% import "_forms.html.j2" as forms %}`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from vieasso.common.settings import Settings
from vieasso.common.web.dates import date_fr, datetime_fr, heure_fr

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STYLESHEET = HERE / "static" / "site.css"
STYLESHEET_PATH = "/static/site.css"
SITE_NAME = "Vie associative à Besançon"


@dataclass(frozen=True)
class Urls:
    """Public base URLs (no trailing slash) of each service's pages, for links across them."""

    annuaire: str
    agenda: str
    newsletter: str
    ressources: str
    aides: str


def site_urls(settings: Settings) -> Urls:
    return Urls(
        annuaire=settings.public_url("annuaire"),
        agenda=settings.public_url("agenda"),
        newsletter=settings.public_url("newsletter"),
        ressources=settings.public_url("ressources"),
        aides=settings.public_url("aides"),
    )


@dataclass(frozen=True)
class _Stylesheet:
    body: bytes
    etag: str

    @property
    def href(self) -> str:
        """Versioned path: the stylesheet can be cached for a year and still change."""
        return f"{STYLESHEET_PATH}?v={self.etag.strip(chr(34))[:12]}"


def _stylesheet() -> _Stylesheet:
    body = STYLESHEET.read_bytes()
    return _Stylesheet(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def page_templates(service_dir: Path, settings: Settings) -> Jinja2Templates:
    """Templates of one service: `service_dir/templates` (or `service_dir` itself if it is
    named `templates`) first, then the common layout and macros. Autoescape is on.

    Globals: `urls` (`Urls`), `site_name`, `stylesheet` (href of the shared CSS).
    Filters: `date_fr`, `heure_fr`, `datetime_fr`.
    """
    own = service_dir if service_dir.name == "templates" else service_dir / "templates"
    return layout_templates(site_urls(settings), own)


def layout_templates(urls: Urls, *own: Path) -> Jinja2Templates:
    """Templates in the directories `own` first, then the common ones (see `page_templates`)."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(d) for d in (*own, TEMPLATES)]),
        autoescape=select_autoescape(["html", "j2", "htm"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(urls=urls, site_name=SITE_NAME, stylesheet=_CSS.href)
    env.filters.update(date_fr=date_fr, heure_fr=heure_fr, datetime_fr=datetime_fr)
    return Jinja2Templates(env=env)


@lru_cache(maxsize=8)
def shared_templates(urls: Urls) -> Jinja2Templates:
    """The common templates alone, for the pages any service answers (start-up, refusals)."""
    return layout_templates(urls)


_CSS = _stylesheet()


def mount_static(app: FastAPI) -> None:
    """Serve the shared stylesheet at `/static/site.css` (same bytes on every service)."""

    @app.get(STYLESHEET_PATH, include_in_schema=False)
    async def stylesheet(request: Request) -> Response:
        headers = {
            "ETag": _CSS.etag,
            "Cache-Control": "public, max-age=31536000, immutable",
        }
        if request.headers.get("if-none-match") == _CSS.etag:
            return Response(status_code=304, headers=headers)
        return Response(_CSS.body, media_type="text/css; charset=utf-8", headers=headers)


PRIVATE = {"Cache-Control": "no-store"}


class PageRenderer:
    """A service's French pages from its `templates`: `render` a page (`private`: never
    cached, for pages that depend on who asks), `message` a short page saying why a
    request was refused, from the service's template named `MESSAGE` (title, text, link)."""

    MESSAGE = "message.html.j2"
    templates: Jinja2Templates

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
        """A short French page saying why the request was refused (404, 403, 401…)."""
        context = {"title": title, "text": text, "link": link}
        return self.render(request, self.MESSAGE, context, status=status, private=True)
