"""Fixtures every test can use: a real nats-server (one per session) and a NATS client.

- `nats_server` — session-scoped `NatsServer` with JetStream (`sync_interval: always`).
- `nats_url` — its URL.
- `settings` — platform `Settings` pointing at it (random admin token).
- `nc` / `js` — a connected nats-py client and its JetStream context (per test).
- `smtp_server` — a real aiosmtpd server capturing mails (see tests/support/smtp.py).
- `services` — session: every service (`SERVICES`) as a real process, healthy, on a nats-server of
  their own (tests/support/services.py).
- `start_service` — factory starting one service process for this test, stopped at its end.

Tests use random ids (slugs, subjects) so they can share the session's server.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.support.nats_server import NatsServer
from tests.support.services import (
    SERVICES,
    ServiceProcess,
    Services,
    StartService,
    start_service_process,
)
from tests.support.smtp import SmtpServer
from vieasso.common.settings import Settings


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


@pytest.fixture
def settings(nats_url: str) -> Settings:
    return Settings(
        nats_url=nats_url,
        admin_token=secrets.token_urlsafe(24),
        log_json=False,
    )


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    client = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.drain()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    return nc.jetstream()


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    # Their own nats-server: the newsletter process would otherwise take, from the shared
    # work queue, the deliveries of the in-process newsletter tests.
    workdir = tmp_path_factory.mktemp("services")
    own_nats = NatsServer(workdir=workdir / "nats").start()
    group = Services(smtp=SmtpServer(maildir=workdir / "mail").start(), nats_url=own_nats.url)
    try:
        for name in SERVICES:
            group.running[name] = start_service_process(
                name,
                nats_url=own_nats.url,
                workdir=workdir,
                admin_token=group.admin_token,
                smtp_port=group.smtp.port if group.smtp else None,
            )
        for svc in group.running.values():
            svc.wait_healthy(timeout=60)
        yield group
    finally:
        group.stop_all()
        if group.smtp is not None:
            group.smtp.stop()
        own_nats.stop()


@pytest.fixture
def start_service(nats_url: str, tmp_path: Path) -> Iterator[StartService]:
    session_url = nats_url
    started: list[ServiceProcess] = []

    def start(name: str, *, nats_url: str | None = None, **kwargs: Any) -> ServiceProcess:
        url = nats_url or session_url
        svc = start_service_process(name, nats_url=url, workdir=tmp_path, **kwargs)
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.stop()


def random_slug(prefix: str = "test") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"
