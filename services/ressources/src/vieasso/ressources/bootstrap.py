"""Builds the ressources service: settings → NATS runtime → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.entrypoints import nats

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
    runtime.on_startup(sessions.open)
    app = build_app(
        runtime,
        title="Ressources — Vie associative Besançon",
        description="Prêt de matériel et réservation de salles de la Ville aux associations.",
    )
    app.state.settings = settings
    app.state.sessions = sessions
    install_starting_page(app, settings)
    return app
