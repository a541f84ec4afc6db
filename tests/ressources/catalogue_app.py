"""The ressources service in-process on the session's real nats-server, reached over real
HTTP (ASGI), for the catalogue's tests; helpers to put venues in the directory's bucket and
to read the facts back. Tests use random ids so their records never collide."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from vieasso.common.clock import FrozenClock
from vieasso.common.directory import VENUES
from vieasso.common.messages.annuaire import VenuePublic
from vieasso.ressources.bootstrap import create_app
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.handlers.catalogue import Catalogue

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)  # Easter Monday 2027 is 29 March


@dataclass
class Client:
    http: httpx.AsyncClient
    app: FastAPI
    settings: RessourcesSettings
    clock: FrozenClock

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.admin_token.get_secret_value()}"}

    @property
    def catalogue(self) -> Catalogue:
        unit: Catalogue = self.app.state.catalogue.catalogue()
        return unit


@asynccontextmanager
async def running_ressources(nats_url: str) -> AsyncIterator[Client]:
    settings = RessourcesSettings(
        nats_url=nats_url, log_json=False, admin_token=secrets.token_urlsafe(24)
    )
    clock = FrozenClock(NOW)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ressources") as http:
            await until(lambda: True, http_ok=(http, "/healthz"), what="healthy service")
            yield Client(http, app, settings, clock)


async def until(
    check: Callable[[], bool],
    *,
    http_ok: tuple[httpx.AsyncClient, str] | None = None,
    within: float = 20.0,
    what: str = "condition",
) -> None:
    """Poll `check` (and, if given, a GET answering 200) until true, or fail at `within`."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        ok = http_ok is None or (await http_ok[0].get(http_ok[1])).status_code == 200
        if ok and check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {within} s")


def model_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Barnum 3 × 3 m",
        "category": "barnums",
        "stock": 12,
        "deposit_eur": 300,
        "max_loan_days": 4,
        "storage_place": "Centre technique municipal",
        "handover": "retrait-ou-livraison",
        "notice": {"min_days": 21, "max_days": 92},
    }
    return body | fields


def room_body(venue_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Salle polyvalente",
        "venue_id": venue_id,
        "capacity": 60,
        "accessible": True,
        "opening": {"1": ["matin", "apres-midi"], "6": ["matin"]},
    }
    return body | fields


def new_id(prefix: str = "test") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


async def put_venue(js: JetStreamContext, client: Client, *, archived: bool = False) -> VenuePublic:
    """A venue in the directory's bucket, as the annuaire writes it; returns once the
    service's directory view has it."""
    venue = VenuePublic(
        id=new_id("lieu"),
        name=f"Maison de quartier {secrets.token_hex(3)}",
        address="31 rue Brulard",
        postal_code="25000",
        lat=47.23,
        lon=6.0,
        archived=archived,
    )
    await (await js.key_value(VENUES)).put(venue.id, venue.model_dump_json().encode())
    directory = client.catalogue.directory
    await until(lambda: directory.venue(venue.id) == venue, what="venue seen by the service")
    return venue


async def read_facts(js: JetStreamContext, subject: str) -> list[dict[str, Any]]:
    """Every fact stored under `subject` (a filter), with its subject and `Nats-Msg-Id`:
    as many as the stream says it holds (the service publishes before it answers)."""
    info = await js.stream_info("RESSOURCES", subjects_filter=subject)
    count = sum((info.state.subjects or {}).values())
    if count == 0:
        return []
    sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    found: list[dict[str, Any]] = []
    try:
        while len(found) < count:
            msg = await sub.next_msg(timeout=10)
            message_id = (msg.headers or {}).get("Nats-Msg-Id")
            found.append({"subject": msg.subject, "msg_id": message_id, **json.loads(msg.data)})
    finally:
        await sub.unsubscribe()
    return found
