"""Builds the annuaire service: settings → NATS runtime → subscribers → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.entrypoints import http, nats
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime

SERVICE = "annuaire"


def build_runtime(settings: AnnuaireSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: AnnuaireSettings | None = None) -> FastAPI:
    settings = settings or AnnuaireSettings()
    runtime = build_runtime(settings)
    return build_app(
        runtime,
        title="Annuaire — Vie associative Besançon",
        description="Associations, lieux, thèmes, quartiers et missions bénévoles.",
        routers=[http.build_router()],
    )
