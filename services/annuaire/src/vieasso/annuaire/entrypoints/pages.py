"""The annuaire's web pages (issue 7): public directory, association space, city space."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.entrypoints import (
    pages_association,
    pages_city,
    pages_missions,
    pages_public,
    pages_registration,
    pages_settings,
    pages_signin,
)
from vieasso.annuaire.entrypoints.pages_errors import install_page_errors
from vieasso.common.web import mount_static, page_templates

PACKAGE = Path(__file__).resolve().parent.parent


def install_pages(app: FastAPI, settings: AnnuaireSettings) -> None:
    app.state.templates = page_templates(PACKAGE, settings)
    mount_static(app)
    install_page_errors(app)
    # Registration first: `/associations/inscription` must not be read as an association slug.
    for module in (
        pages_registration,
        pages_public,
        pages_signin,
        pages_association,
        pages_settings,
        pages_missions,
        pages_city,
    ):
        app.include_router(module.router)
