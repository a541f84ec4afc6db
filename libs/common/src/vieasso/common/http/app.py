"""Builds a service's FastAPI app around its NATS runtime (one process, one event loop).

FastStream 0.7 moved its FastAPI router integration out of the core package (deprecated,
removed in 1.0), so the broker runs in the FastAPI lifespan instead: started in the
background at start-up (HTTP answers health at once), drained and closed at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from vieasso.common.http.edge import install_edge_guards
from vieasso.common.http.errors import install_error_handlers
from vieasso.common.http.limits import FORM_LIMITS
from vieasso.common.http.openapi import document_errors
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web.starting import HoldWhileStarting


def build_app(
    runtime: NatsRuntime,
    *,
    title: str,
    description: str,
    routers: Iterable[APIRouter] = (),
    body_limits: Mapping[str, int] = {},
    open_to_other_sites: Iterable[str] = (),
    framed_by: Mapping[str, str] = {},
) -> FastAPI:
    """The service's app with its edge guards (outermost first): security headers (with
    `framed_by`: {exact path: CSP frame-ancestors} for the pages other sites may frame), the
    cross-origin guard (`open_to_other_sites`: exact paths it lets through) and the body
    limit (`body_limits`: {path prefix: bytes} for routes that need more than the setting).
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.start_in_background()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        form_limits=FORM_LIMITS,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(
        HoldWhileStarting,
        started=runtime.started,
        wait_started=runtime.wait_ready,
        hold=runtime.settings.starting_hold_seconds,
    )
    install_edge_guards(app, runtime.settings, body_limits, open_to_other_sites, framed_by)

    @app.get("/healthz", tags=["santé"], summary="État du service")
    async def healthz() -> JSONResponse:
        """200 when connected to NATS, streams and buckets provisioned, indexes loaded."""
        health = runtime.health()
        body = {
            "service": runtime.service,
            "status": "ok" if health.ok else "indisponible",
            "nats_connected": health.connected,
            "provisioned": health.provisioned,
            "ready": health.ready,
        }
        return JSONResponse(body, status_code=200 if health.ok else 503)

    for router in routers:
        app.include_router(router)
    document_errors(app)
    return app
