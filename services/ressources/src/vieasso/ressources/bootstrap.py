"""Builds the ressources service: settings → NATS runtime → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI
from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.http.app import build_app
from vieasso.common.images.web import BODY_LIMIT
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page
from vieasso.ressources.catalogue_service import CatalogueService
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.entraide_service import EntraideService
from vieasso.ressources.entrypoints import api_annonces, api_catalogue, api_loans, nats, photos
from vieasso.ressources.entrypoints.feeds import install_feeds
from vieasso.ressources.entrypoints.pages import install_catalogue_pages, install_loan_pages
from vieasso.ressources.entrypoints.pages_entraide_install import install_entraide_pages
from vieasso.ressources.loan_pages import LoanPagesSource
from vieasso.ressources.service import RessourcesService

SERVICE = "ressources"


def build_runtime(settings: RessourcesSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: RessourcesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or RessourcesSettings()
    runtime = build_runtime(settings)
    clock = clock or SystemClock()
    sessions = Sessions(settings, clock)
    directory = DirectoryView()
    catalogue = CatalogueService(settings, runtime.publish, clock, directory, sessions)
    # nothing is lent on the catalogue's closed days (holidays, Sundays, the city's list)
    loans = RessourcesService(
        settings,
        runtime.publish,
        clock,
        directory=directory,
        closed=lambda day: catalogue.catalogue().calendar().closed(day),
    )
    entraide = EntraideService(settings, runtime.publish, clock, directory, sessions, catalogue)

    async def start(js: JetStreamContext) -> None:
        await sessions.open(js)
        await catalogue.start(js)  # starts `directory` too
        if loans.unit is None:
            await loans.start(js)
        await entraide.start(js)

    async def stop() -> None:
        await entraide.stop()
        await loans.stop()
        await catalogue.stop()

    runtime.on_startup(start)
    runtime.on_shutdown(stop)
    app = build_app(
        runtime,
        title="Ressources — Vie associative Besançon",
        description=(
            "Prêt de matériel et réservation de salles de la Ville aux associations ; "
            "entraide entre associations (offres et besoins)."
        ),
        routers=[
            api_catalogue.build_router(catalogue),
            photos.build_router(catalogue),
            api_loans.build_router(loans),
            api_annonces.build_router(entraide),
        ],
        body_limits={  # a photo's upload, by the API or in the city's forms
            photos.UPLOAD_PATH: BODY_LIMIT,
            "/espace-ville/materiel": BODY_LIMIT,
            "/espace-ville/salles": BODY_LIMIT,
        },
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.directory = directory
    app.state.catalogue = catalogue
    app.state.ressources = loans
    install_starting_page(app, settings)
    api_catalogue.install_error_handlers(app, settings)
    pages = install_catalogue_pages(app, catalogue)
    source = LoanPagesSource(catalogue, loans, runtime)
    install_loan_pages(app, pages, source)
    install_feeds(app, pages, source)
    app.state.loans = loans
    install_entraide_pages(app, pages, entraide)
    app.state.entraide = entraide
    return app
