"""Entraide's pages, feeds and open data on the app (issue 17)."""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.ressources.entrypoints import (
    pages_entraide,
    pages_entraide_city,
    pages_entraide_feeds,
    pages_entraide_space,
)
from vieasso.ressources.entrypoints.pages_entraide_support import EntraidePages, EntraideSource
from vieasso.ressources.entrypoints.pages_support import Pages


def install_entraide_pages(app: FastAPI, pages: Pages, source: EntraideSource) -> None:
    ep = EntraidePages(pages, source)
    app.include_router(pages_entraide_feeds.build_router(source))  # /entraide.rss first
    app.include_router(pages_entraide.build_router(ep))
    app.include_router(pages_entraide_space.build_router(ep))
    app.include_router(pages_entraide_city.build_router(ep))
