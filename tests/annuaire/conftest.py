"""The annuaire in-process on the session's real nats-server, reached over real HTTP (ASGI).

Every test gets its own app (own admin token, own clock) over the shared buckets: tests use
random names so their records never collide.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats.errors
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from tests.support.limits import forget_rate_limits
from tests.support.nats_server import NatsServer
from vieasso.annuaire.bootstrap import create_app
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.clock import FrozenClock

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


@dataclass
class Client:
    """An HTTP client on the running app, with the admin token at hand."""

    http: httpx.AsyncClient
    app: FastAPI
    settings: AnnuaireSettings
    clock: FrozenClock

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.admin_token.get_secret_value()}"}

    @property
    def unit(self) -> Annuaire:
        unit: Annuaire | None = self.app.state.annuaire.unit
        assert unit is not None
        return unit

    async def register(self, **fields: Any) -> dict[str, Any]:
        response = await self.http.post("/api/associations", json=association_body(**fields))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def validated(self, **fields: Any) -> tuple[str, dict[str, str]]:
        """A validated association: its slug and its own Authorization header."""
        slug = (await self.register(**fields))["slug"]
        response = await self.http.post(f"/api/associations/{slug}/validate", headers=self.admin)
        assert response.status_code == 200, response.text
        return slug, {"Authorization": f"Bearer {response.json()['token']}"}


def unique_name(prefix: str = "Les Amis") -> str:
    return f"{prefix} {secrets.token_hex(4)}"


def association_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": unique_name(),
        "purpose": "Faire vivre le quartier par des fêtes et des ateliers.",
        "themes": ["vie-de-quartier"],
        "quartier": "battant",
        "email": "contact@exemple.fr",
        "phone": "03 81 00 00 00",
        "contact": {"name": "Camille Martin", "email": "camille.secret@exemple.fr"},
    }
    body.update(fields)
    return body


def mission_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Accueil du public au festival",
        "description": "Accueillir et orienter le public pendant le festival.",
        "kind": "ponctuelle",
        "starts_on": "2026-06-20",
        "ends_on": "2026-06-21",
        "how_to_apply": "Écrire à l'association.",
    }
    body.update(fields)
    return body


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of its own, for tests whose records (demo names) must not meet others'."""
    server = NatsServer(workdir=tmp_path / "own-nats").start()
    yield server
    server.stop()


@pytest.fixture
async def annuaire(nats_url: str) -> AsyncIterator[Client]:
    async with running_annuaire(nats_url) as client:
        yield client


@pytest.fixture
async def annuaire_fast_sweep(nats_url: str) -> AsyncIterator[Client]:
    """The annuaire with its expired-mission sweeper running every 50 ms."""
    async with running_annuaire(nats_url, mission_sweep_seconds=0.05) as client:
        yield client


@asynccontextmanager
async def running_annuaire(nats_url: str, **overrides: Any) -> AsyncIterator[Client]:
    values: dict[str, Any] = {
        "republish_window_seconds": 0,
        "admin_token": secrets.token_urlsafe(24),
        "registration_limit_per_ip": 10_000,  # tests register many; test_abuse sets its own
        **overrides,
    }
    settings = AnnuaireSettings(nats_url=nats_url, log_json=False, **values)
    clock = FrozenClock(NOW)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://annuaire") as http:
            for _ in range(400):
                if (await http.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the annuaire never became healthy")
            await forget_rate_limits(nats_url)
            yield Client(http, app, settings, clock)


async def read_facts(
    js: JetStreamContext, subject: str, *, at_least: int = 1, within: float = 5.0
) -> list[tuple[str, dict[str, Any]]]:
    """Every fact stored on the ANNUAIRE stream under `subject` (a filter), polling until at
    least `at_least` arrived or `within` seconds."""
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    found: list[tuple[str, dict[str, Any]]] = []
    deadline = asyncio.get_running_loop().time() + within
    try:
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                msg = await sub.next_msg(timeout=min(remaining, 0.3))
            except nats.errors.TimeoutError:
                if len(found) >= at_least:
                    break
                continue
            found.append((msg.subject, json.loads(msg.data)))
    finally:
        await sub.unsubscribe()
    return found
