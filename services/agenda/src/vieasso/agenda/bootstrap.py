"""Builds the agenda service: settings → NATS runtime → subscribers → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.agenda.config import AgendaSettings
from vieasso.agenda.entrypoints import http, nats
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime

SERVICE = "agenda"


def build_runtime(settings: AgendaSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: AgendaSettings | None = None) -> FastAPI:
    settings = settings or AgendaSettings()
    runtime = build_runtime(settings)
    return build_app(
        runtime,
        title="Agenda — Vie associative Besançon",
        description="Événements des associations et flux iCal, RSS, Atom et JSON-LD.",
        routers=[http.build_router()],
    )
