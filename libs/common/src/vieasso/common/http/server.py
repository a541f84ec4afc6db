"""Runs a service's ASGI app on granian (measured faster than uvicorn here, SPEC §2)."""

from __future__ import annotations

from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from granian.server import Server

from vieasso.common.logging import configure_logging
from vieasso.common.settings import Settings


def serve_service(service: str, factory: str, settings: Settings) -> None:
    """`vieasso-<service> serve`: logging from settings, then `factory` on the service's port."""
    configure_logging(service, level=settings.log_level, json_lines=settings.log_json)
    serve(
        factory,
        host=settings.http_host,
        port=settings.port_of(service),
        log_level=settings.log_level,
    )


def serve(factory: str, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve `factory` ("module:function" returning the ASGI app) until SIGINT/SIGTERM.

    Granian runs the lifespan shutdown on either signal, which drains the NATS broker.
    """
    Server(
        factory,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=1,
        loop=Loops.asyncio,
        log_level=LogLevels(log_level.lower()),
        log_access=False,
    ).serve()
