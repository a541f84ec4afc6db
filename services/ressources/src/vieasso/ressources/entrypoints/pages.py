"""The service's web pages: the public catalogue, the city's catalogue management, the
associations' reservations and the city's handling of the loans."""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.common.web import mount_static
from vieasso.ressources.entrypoints import (
    pages_city,
    pages_city_closures,
    pages_loans_city,
    pages_public,
    pages_reservations,
)
from vieasso.ressources.entrypoints.pages_loans import LoanSource
from vieasso.ressources.entrypoints.pages_support import Pages, PageSource


def install_catalogue_pages(app: FastAPI, source: PageSource) -> Pages:
    pages = Pages(source)
    mount_static(app)
    app.include_router(pages_public.build_router(pages))
    app.include_router(pages_city.build_router(pages))
    app.include_router(pages_city_closures.build_router(pages))
    return pages


def install_loan_pages(app: FastAPI, pages: Pages, source: LoanSource) -> None:
    app.include_router(pages_reservations.build_router(pages, source))
    app.include_router(pages_loans_city.build_router(pages, source))
