"""Runs a service's ASGI app on granian (measured faster than uvicorn here, SPEC §2).

The worker's event loop is uvloop where it is installed (every platform but Windows):
granian hands each request to the loop from its own threads, and asyncio writes to its
self-pipe for every such hand-over (8–12% of the worker in a profile of 304s). Measured
on the agenda's feeds (B3, runs alternating between the two loops): 304s 19.7k → 24.1k
req/s, gzip 200s 13.6k → 17.2k.
"""

from __future__ import annotations

import errno
import logging
import socket
from importlib.util import find_spec

from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from granian.server import Server

from vieasso.common.logging import configure_logging
from vieasso.common.settings import MIN_SECRET_LENGTH, Settings, is_loopback

log = logging.getLogger(__name__)

LOOP = Loops.uvloop if find_spec("uvloop") is not None else Loops.asyncio


def serve_service(service: str, factory: str, settings: Settings) -> None:
    """`vieasso-<service> serve`: logging from settings, then `factory` on the service's port.

    Exits with status 2, before binding anything, when the address is reachable from other
    machines while a secret is still its development default (or too short)."""
    configure_logging(service, level=settings.log_level, json_lines=settings.log_json)
    if not is_loopback(settings.http_host) and (unsafe := settings.unsafe_secrets()):
        log.critical(
            "refusing to serve on %s, which other machines can reach: %s %s still the "
            "development default or shorter than %d characters. Set each to a random secret "
            "(deploy/secrets.env, docs/deploy.md), or bind loopback (VIEASSO_HTTP_HOST=127.0.0.1)",
            settings.http_host or "all interfaces", " and ".join(unsafe),
            "is" if len(unsafe) == 1 else "are", MIN_SECRET_LENGTH,
        )  # fmt: skip
        raise SystemExit(2)
    port = settings.port_of(service)
    if port_in_use(settings.http_host, port):
        log.critical(
            "refusing to serve on %s:%d: another process already listens there (another "
            "vieasso-%s serve still running?). Stop it, or choose another port (VIEASSO_%s_PORT)",
            settings.http_host or "*", port, service, service.upper(),
        )  # fmt: skip
        raise SystemExit(2)
    serve(
        factory,
        host=settings.http_host,
        port=port,
        log_level=settings.log_level,
    )


def port_in_use(host: str, port: int) -> bool:
    """Whether another socket listens on `host`:`port`.

    Granian binds with SO_REUSEPORT: a second server on a port already served would start
    without an error and share its connections (two services answering one address at
    random). A socket without that option cannot bind there, which tells."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


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
        loop=LOOP,
        log_level=LogLevels(log_level.lower()),
        log_access=False,
    ).serve()
