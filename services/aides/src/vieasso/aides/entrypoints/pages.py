"""The service's web pages: the city's schemes (`pages_city`), the public search and the
association's matched aids come with the matching."""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.aides.entrypoints import pages_city
from vieasso.aides.entrypoints.pages_support import Pages, PageSource
from vieasso.common.web import mount_static


def install_pages(app: FastAPI, source: PageSource) -> Pages:
    pages = Pages(source)
    mount_static(app)
    app.include_router(pages_city.build_router(pages))
    return pages
