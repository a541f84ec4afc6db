"""The service's web pages: the public search and aid pages, the association's matched and
followed aids, the city's schemes."""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.aides.entrypoints import (
    exports,
    feeds,
    pages_association,
    pages_awards,
    pages_city,
    pages_public,
)
from vieasso.aides.entrypoints.pages_support import Pages, PageSource
from vieasso.common.web import mount_static


def install_pages(app: FastAPI, source: PageSource) -> Pages:
    pages = Pages(source)
    mount_static(app)
    app.include_router(pages_public.build_router(pages))
    addresses = feeds.Addresses(source)
    app.include_router(pages_association.build_router(pages, addresses))
    app.include_router(feeds.build_router(pages, addresses))
    app.include_router(pages_awards.build_router(pages))  # before /espace-ville/aides/{id}
    app.include_router(pages_city.build_router(pages))
    app.include_router(exports.build_router(pages))
    return pages
