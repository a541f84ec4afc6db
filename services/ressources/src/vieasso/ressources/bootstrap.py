"""Builds the ressources service: settings → NATS runtime → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI
from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.entrypoints import api_loans, nats
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
    service = RessourcesService(settings, runtime.publish, clock)

    async def start(js: JetStreamContext) -> None:
        await service.start(js)
        await sessions.open(js)

    runtime.on_startup(start)
    app = build_app(
        runtime,
        title="Ressources — Vie associative Besançon",
        description="Prêt de matériel et réservation de salles de la Ville aux associations.",
        routers=[api_loans.build_router(service)],
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.ressources = service
    runtime.on_shutdown(service.stop)
    install_starting_page(app, settings)
    return app
