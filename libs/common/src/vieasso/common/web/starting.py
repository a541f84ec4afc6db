"""While a service starts (NATS not connected yet, indexes still loading): a 503 saying so.

A request first waits up to `starting_hold_seconds` for the start to end (`HoldWhileStarting`):
behind the proxy, a replica restarted before the next health check would otherwise answer
503s that the proxy, still counting it healthy, passes on to readers. Past that wait, a
person opening a page gets a small French page on the shared layout; an API client
(`/api/…`, feeds, exports, any file-like URL, or `Accept: application/json` without
`text/html`) gets the JSON answer `{"detail": STARTING}`. Both carry `Retry-After`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from vieasso.common.settings import Settings
from vieasso.common.web.pages import shared_templates, site_urls

STARTING = "Le service démarre : réessayez dans quelques secondes."
RETRY_AFTER_SECONDS = 2
_NOT_PAGES = ("/api/", "/feeds/", "/export/", "/healthz", "/docs", "/openapi", "/redoc")


class ServiceStarting(Exception):
    """A request needs what the service's start-up has not built yet."""


class HoldWhileStarting:
    """ASGI middleware: until the service has been ready once, an HTTP request other than
    `/healthz` waits for it, `hold` seconds at most (then goes on, to its 503). Only the
    first start: a service that lost NATS later answers at once (its replicas would too)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        started: Callable[[], bool],
        wait_started: Callable[[], Awaitable[None]],
        hold: float,
    ) -> None:
        self.app = app
        self._started = started
        self._wait_started = wait_started
        self._hold = hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self._hold > 0
            and not self._started()
            and scope["path"] != "/healthz"
        ):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait_started(), self._hold)
        await self.app(scope, receive, send)


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page, rather than an API or feed client."""
    path = request.url.path
    if path.startswith(_NOT_PAGES) or "." in path.rsplit("/", 1)[-1]:
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/json" not in accept


def starting_response(request: Request, settings: Settings) -> Response:
    """503 with `Retry-After`: the « service démarre » page, or JSON for API clients."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if not wants_page(request):
        return JSONResponse({"detail": STARTING}, status_code=503, headers=headers)
    return shared_templates(site_urls(settings)).TemplateResponse(
        request,
        "demarrage.html.j2",
        {"retry_after": RETRY_AFTER_SECONDS},
        status_code=503,
        headers=headers,
    )


def install_starting_page(app: FastAPI, settings: Settings) -> None:
    """`ServiceStarting` raised while handling a request answers `starting_response`."""

    async def starting(request: Request, _: Exception) -> Response:
        return starting_response(request, settings)

    app.add_exception_handler(ServiceStarting, starting)
