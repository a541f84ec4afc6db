"""Builds the aides service: settings → NATS runtime → FastAPI app.

Nothing here touches the network: connections open in the app's lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI
from nats.js import JetStreamContext

from vieasso.aides.config import AidesSettings
from vieasso.aides.entrypoints import nats, pages_sync
from vieasso.aides.entrypoints.alerts import AlertSchedule
from vieasso.aides.entrypoints.pages import install_pages
from vieasso.aides.entrypoints.sync import SyncSchedule
from vieasso.aides.service import AidesService
from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.http.app import build_app
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import Sessions, install_starting_page

SERVICE = "aides"


def build_runtime(settings: AidesSettings) -> NatsRuntime:
    runtime = NatsRuntime(settings, service=SERVICE)
    runtime.broker.include_router(nats.build_router())
    return runtime


def create_app(settings: AidesSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or AidesSettings()
    runtime = build_runtime(settings)
    clock = clock or SystemClock()
    sessions = Sessions(settings, clock)
    service = AidesService(settings, runtime.publish, clock, DirectoryView(), sessions)
    schedule = SyncSchedule(settings, service.sync_state, clock)
    alerts = AlertSchedule(service)

    async def start(js: JetStreamContext) -> None:
        await sessions.open(js)
        schedule.start(await service.start(js), js)
        alerts.start(js)

    runtime.on_startup(start)
    runtime.on_shutdown(service.stop)
    runtime.on_shutdown(schedule.stop)
    runtime.on_shutdown(alerts.stop)  # the last registered runs first
    app = build_app(
        runtime,
        title="Aides — Vie associative Besançon",
        description="Dispositifs d'aide aux associations : la Ville et les autres financeurs.",
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.aides = service
    app.state.aides_sync = schedule
    app.state.aides_alerts = alerts
    install_starting_page(app, settings)
    app.include_router(pages_sync.build_router(install_pages(app, service), service.sync_state))
    return app
