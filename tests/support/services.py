"""The services as real processes (`.venv/bin/vieasso-<name> serve`) for end-to-end tests.

Fixtures (tests/conftest.py):
- `services` — session-scoped: every service of `SERVICES` against the session's nats-server and a
  session SMTP sink (`services.smtp`), already healthy. Use it for e2e tests that only
  need the platform running: ``httpx.get(services.url("agenda") + "/feeds/agenda.ics")``,
  admin calls with ``headers=services.admin_headers``.
- `start_service` — a factory for tests that need their own process (to stop it, to point
  it at another nats-server, to give it other settings); everything it started is stopped
  at the end of the test::

      svc = start_service("agenda", nats_url=other_server.url, env={"VIEASSO_X": "1"})
      svc.wait_healthy()
      assert svc.stop() == 0

Every process logs to `<workdir>/<name>.log` (printed in the failure message when it does
not become healthy) and is stopped with SIGTERM (SIGKILL after a deadline).
"""

from __future__ import annotations

import importlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from fastapi import FastAPI
from starlette.routing import BaseRoute

from tests.support.processes import VENV_BIN, Process, free_port, wait_until
from tests.support.smtp import SmtpServer
from vieasso.common import settings

# Every service of the platform, in the order `make run` starts them: the generic tests
# (tests/platform, tests/security, tests/reliability) iterate over it.
SERVICES = settings.SERVICES
COMPOSE_REPLICAS = 2
"""docker-compose.yml runs each service as `<name>-1` and `<name>-2` (issue 18)."""


def containers(service: str) -> list[str]:
    """The compose containers of one service: its replicas."""
    return [f"{service}-{n}" for n in range(1, COMPOSE_REPLICAS + 1)]


SERVICE_CONTAINERS = tuple(c for name in SERVICES for c in containers(name))


def build_app(name: str) -> FastAPI:
    """The FastAPI app of service `name`, built in-process with its default settings (its
    routes, its OpenAPI document); nothing touches the network until its lifespan runs."""
    module = importlib.import_module(f"vieasso.{name}.bootstrap")
    app: FastAPI = module.create_app()
    return app


def served_paths(name: str) -> set[str]:
    """Path templates the app of service `name` routes (included routers too)."""
    return {getattr(route, "path", "") for route in leaves(build_app(name).routes)}


def leaves(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes, those of included routers too (FastAPI keeps them in the router)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from leaves(inner.routes) if inner is not None else (route,)


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """Status of GET `url`; None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - test URLs
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@dataclass
class ServiceProcess:
    """One service running as `vieasso-<name> serve` on 127.0.0.1:`port`."""

    name: str
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> int | None:
        """Status of GET /healthz (None: no answer)."""
        return http_status(f"{self.url}/healthz")

    def wait_health(self, status: int, timeout: float = 30.0) -> ServiceProcess:
        """Wait until /healthz answers `status`; fail with the service's log otherwise."""
        try:
            wait_until(lambda: self.health() == status, timeout=timeout, interval=0.1)
        except TimeoutError:
            raise AssertionError(
                f"{self.name} /healthz is {self.health()}, expected {status} after {timeout}s "
                f"(running: {self.process.running}); log {self.process.log_path}:\n"
                f"{self.process.output()[-4000:]}"
            ) from None
        return self

    def wait_exit(self, timeout: float = 60.0) -> int | None:
        """Wait until the process exits (fail with its log if it keeps running); its code."""
        try:
            wait_until(lambda: not self.process.running, timeout=timeout, what="the exit")
        except TimeoutError:
            raise AssertionError(
                f"{self.name} kept running: {self.process.output()[-2000:]}"
            ) from None
        assert self.process.popen is not None
        return self.process.popen.returncode

    def wait_healthy(self, timeout: float = 30.0) -> ServiceProcess:
        return self.wait_health(200, timeout)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, wait up to `timeout` s (then SIGKILL); returns the exit code."""
        return self.process.stop(timeout)


def service_env(
    *, nats_url: str, ports: dict[str, int], admin_token: str, smtp_port: int | None = None
) -> dict[str, str]:
    """The ``VIEASSO_*`` environment of a service process started by the tests."""
    env = {
        "VIEASSO_NATS_URL": nats_url,
        "VIEASSO_ADMIN_TOKEN": admin_token,
        "VIEASSO_LOG_JSON": "false",
        "VIEASSO_HTTP_HOST": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        # No scheduled editions: a run missed less than a day ago is caught up at start, so a
        # process started on a Monday after 08:00 would send that week's edition itself and a
        # test's own `send-digest` would find it sent. Schedule tests drive it in-process.
        "VIEASSO_DIGEST_SCHEDULE": "false",
        # No scheduled Aides-territoires sync either (tests drive it with the local fake).
        "VIEASSO_AIDES_SYNC_INTERVAL_MINUTES": "0",
        # Nor alert mails: tests sweep them with their own clock.
        "VIEASSO_AIDES_ALERTS_INTERVAL_MINUTES": "0",
        # The session's processes serve every test from 127.0.0.1: tests of the limit set theirs.
        "VIEASSO_REGISTRATION_LIMIT_PER_IP": "100000",
    }
    for name, port in ports.items():
        env[f"VIEASSO_{name.upper()}_PORT"] = str(port)
    if smtp_port is not None:
        env["VIEASSO_SMTP_HOST"] = "127.0.0.1"
        env["VIEASSO_SMTP_PORT"] = str(smtp_port)
    return env


def start_service_process(
    name: str,
    *,
    nats_url: str,
    workdir: Path,
    admin_token: str = "test-admin-token",  # noqa: S107 - tests only
    smtp_port: int | None = None,
    port: int = 0,
    env: dict[str, str] | None = None,
    argv: list[str] | None = None,
) -> ServiceProcess:
    """Start `vieasso-<name> serve` (or `argv`, run from the repository's root) on a free
    port (does not wait for health)."""
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}; one of {SERVICES}")
    port = port or free_port()
    full_env = service_env(
        nats_url=nats_url, ports={name: port}, admin_token=admin_token, smtp_port=smtp_port
    )
    process = Process(
        argv or [str(VENV_BIN / f"vieasso-{name}"), "serve"],
        log=workdir / f"{name}-{port}.log",
        env={**full_env, **(env or {})},
    ).start()
    return ServiceProcess(name, port, process)


@dataclass
class Services:
    """Services started by the test harness, by name (see the module docstring)."""

    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    running: dict[str, ServiceProcess] = field(default_factory=dict)
    smtp: SmtpServer | None = None  # the SMTP sink the newsletter sends to
    nats_url: str = ""  # the nats-server they all use

    def url(self, name: str) -> str:
        return self.running[name].url

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def stop_all(self) -> dict[str, int | None]:
        return {name: svc.stop() for name, svc in self.running.items()}


class StartService(Protocol):
    """The `start_service` fixture: like `start_service_process`, nats_url/workdir defaulted."""

    def __call__(
        self,
        name: str,
        *,
        nats_url: str | None = None,
        admin_token: str = ...,
        smtp_port: int | None = None,
        port: int = 0,
        env: dict[str, str] | None = None,
    ) -> ServiceProcess: ...
