"""Builds the annuaire service: settings → NATS runtime → service → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI
from nats.js import JetStreamContext

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.entrypoints import http, nats
from vieasso.annuaire.entrypoints.pages import install_pages
from vieasso.annuaire.service import AnnuaireService
from vieasso.common.clock import Clock, SystemClock
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page

SERVICE = "annuaire"


def build_runtime(settings: AnnuaireSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: AnnuaireSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or AnnuaireSettings()
    runtime = build_runtime(settings)
    service = AnnuaireService(settings, runtime.publish, clock or SystemClock())
    sessions = Sessions(settings, service.clock)

    async def start(js: JetStreamContext) -> None:
        await service.start(js)
        await sessions.open(js)

    runtime.on_startup(start)
    app = build_app(
        runtime,
        title="Annuaire — Vie associative Besançon",
        description="Associations, lieux, thèmes, quartiers et missions bénévoles.",
        routers=[http.build_router()],
    )
    app.state.annuaire = service
    app.state.settings = settings
    app.state.sessions = sessions
    http.install_error_handlers(app)
    install_starting_page(app, settings)
    install_pages(app, settings)
    runtime.on_shutdown(service.stop)
    return app
