"""Builds the newsletter service: settings → NATS runtime → subscribers → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI

from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.entrypoints import http, nats

SERVICE = "newsletter"


def build_runtime(settings: NewsletterSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: NewsletterSettings | None = None) -> FastAPI:
    settings = settings or NewsletterSettings()
    runtime = build_runtime(settings)
    return build_app(
        runtime,
        title="Newsletter — Vie associative Besançon",
        description="Abonnements, lettres d’information et envois.",
        routers=[http.build_router()],
    )
