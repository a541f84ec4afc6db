"""The catalogue's web pages: the public catalogue and the city's catalogue management."""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.common.web import mount_static
from vieasso.ressources.entrypoints import pages_city, pages_city_closures, pages_public
from vieasso.ressources.entrypoints.pages_support import Pages, PageSource


def install_catalogue_pages(app: FastAPI, source: PageSource) -> Pages:
    pages = Pages(source)
    mount_static(app)
    app.include_router(pages_public.build_router(pages))
    app.include_router(pages_city.build_router(pages))
    app.include_router(pages_city_closures.build_router(pages))
    return pages
