"""Builds the newsletter service: settings → NATS runtime → newsletter → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI
from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page, mount_static
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.entrypoints import http, nats, web
from vieasso.newsletter.entrypoints.pages_letter import UNSUBSCRIBE as UNSUBSCRIBE_LETTER
from vieasso.newsletter.service import Newsletter

SERVICE = "newsletter"


def build_runtime(settings: NewsletterSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: NewsletterSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or NewsletterSettings()
    runtime = build_runtime(settings)
    app = build_app(
        runtime,
        title="Newsletter — Vie associative Besançon",
        description="Abonnements, lettres d’information et envois.",
        routers=[http.build_router()],
        # RFC 8058 one-click unsubscription: posted by mail providers, authorised by its token
        open_to_other_sites=["/desabonnement", UNSUBSCRIBE_LETTER],
    )
    app.state.settings = settings
    app.state.newsletter = None
    clock = clock or SystemClock()
    app.state.sessions = sessions = Sessions(settings, clock)
    app.state.pages = web.templates_for(settings)
    mount_static(app)
    install_starting_page(app, settings)

    async def start(js: JetStreamContext) -> None:
        newsletter = Newsletter(settings, js, runtime.publish, clock)
        await sessions.open(js)
        app.state.newsletter = await newsletter.open()
        connection = runtime.connection
        if connection is None:  # pragma: no cover - connected before the start-up steps
            raise RuntimeError("NATS is not connected")
        await newsletter.start_background(connection)

    runtime.on_startup(start)

    async def close() -> None:
        if app.state.newsletter is not None:
            await app.state.newsletter.close()

    runtime.on_shutdown(close)
    return app
