"""The aides service in-process on the session's real nats-server, reached over real HTTP
(ASGI); helpers to put themes, quartiers and associations in the directory's buckets, to
sign in, and to read the facts back. Tests use random ids so their records never collide."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from tests.support.sessions import session_cookie
from vieasso.aides.bootstrap import create_app
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.schemes import AidScheme
from vieasso.aides.handlers.schemes import store
from vieasso.aides.service import AidesService
from vieasso.common.clock import FrozenClock
from vieasso.common.directory import ASSOCIATIONS, REFERENCE
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.reference.models import Quartier, Theme
from vieasso.common.web import Kind
from vieasso.common.web.session_store import token_hash

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
THEMES = {"culture": "Culture", "sport": "Sport", "solidarite": "Solidarité"}
QUARTIERS = {"battant": "Battant", "planoise": "Planoise", "centre-ville": "Centre-ville"}


@dataclass
class Client:
    http: httpx.AsyncClient
    app: FastAPI
    settings: AidesSettings
    clock: FrozenClock
    js: JetStreamContext

    @property
    def service(self) -> AidesService:
        service: AidesService = self.app.state.aides
        return service

    async def city(self) -> dict[str, str]:
        token = self.settings.admin_token.get_secret_value()
        return await session_cookie(
            self.js, Kind.CITY, token, clock=self.clock, settings=self.settings
        )


@asynccontextmanager
async def running_aides(nats_url: str, js: JetStreamContext) -> AsyncIterator[Client]:
    settings = AidesSettings(
        nats_url=nats_url,
        log_json=False,
        admin_token=secrets.token_urlsafe(24),
        aides_alerts_interval_minutes=0,  # tests sweep with their own clock
    )
    clock = FrozenClock(NOW)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://aides") as http:
            await until(lambda: True, http_ok=(http, "/healthz"), what="healthy service")
            client = Client(http, app, settings, clock, js)
            await put_reference(client)
            yield client


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


async def put_reference(client: Client) -> None:
    """The themes and quartiers the tests use, as the annuaire stores them."""
    kv = await client.js.key_value(REFERENCE)
    for code, label in THEMES.items():
        await kv.put(f"theme.{code}", Theme(code=code, label=label).model_dump_json().encode())
    for code, label in QUARTIERS.items():
        quartier = Quartier(code=code, label=label)
        await kv.put(f"quartier.{code}", quartier.model_dump_json().encode())
    directory = client.service.directory
    await until(
        lambda: all(directory.quartier(q) for q in QUARTIERS), what="reference seen by the service"
    )


@dataclass(frozen=True)
class Signed:
    """An association of the directory and a browser signed in as it."""

    association: AssociationPublic
    headers: dict[str, str]

    @property
    def slug(self) -> str:
        return self.association.slug


async def put_association(
    client: Client,
    *,
    themes: tuple[str, ...] = ("culture",),
    quartier: str | None = "battant",
    employs_staff: bool | None = False,
    founded_on: date | None = date(2015, 1, 1),
) -> Signed:
    token = secrets.token_urlsafe(24)
    association = AssociationPublic(
        slug=f"asso-{secrets.token_hex(4)}",
        name=f"Les amis {secrets.token_hex(2)}",
        purpose="Faire vivre le quartier.",
        themes=themes,
        quartier=quartier,
        employs_staff=employs_staff,
        founded_on=founded_on,
        state=AssociationState.VALIDATED,
        created_at=NOW,
        updated_at=NOW,
    )
    value = association.model_dump(mode="json") | {"token_hash": token_hash(token)}
    kv = await client.js.key_value(ASSOCIATIONS)
    await kv.put(association.slug, json.dumps(value).encode())
    directory = client.service.directory
    await until(
        lambda: directory.association(association.slug) == association,
        what="association seen by the service",
    )
    headers = await session_cookie(
        client.js, Kind.ASSOCIATION, token, association.slug,
        clock=client.clock, settings=client.settings,
    )  # fmt: skip
    return Signed(association, headers)


def new_id(prefix: str = "aide") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def scheme_form(**fields: Any) -> dict[str, Any]:
    """A valid city form (names as the page's inputs)."""
    form: dict[str, Any] = {
        "name": "Fonds de participation des habitants",
        "short_description": "Des petits projets d'habitants dans les quartiers.",
        "funders": "Ville de Besançon",
        "kinds": ["aide-projet"],
        "themes": ["culture"],
        "eligibility.employs_staff": "indifferent",
        "eligibility.budget_max": "10000",
        "amounts.max_eur": "1500",
        "deadlines.kind": "annuel",
        "deadlines.opens_day": "1",
        "deadlines.opens_month": "9",
        "deadlines.closes_day": "15",
        "deadlines.closes_month": "10",
        "application.url": "https://lecompteasso.associations.gouv.fr/",
        "application.documents": "Budget du projet\nStatuts",
        "application.contact": "Service Vie associative — 03 81 61 50 50",
    }
    return form | fields


async def read_facts(js: JetStreamContext, subject: str) -> list[dict[str, Any]]:
    """Every fact stored under `subject` (a filter), with its subject and `Nats-Msg-Id`."""
    info = await js.stream_info("AIDES", subjects_filter=subject)
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


async def put_scheme(client: Client, **fields: Any) -> AidScheme:
    """A scheme stored through the service's use case (published unless told)."""
    values: dict[str, Any] = {
        "id": new_id(),
        "name": "Subvention de fonctionnement",
        "short_description": "Pour le fonctionnement courant des associations.",
        "funders": ("Ville de Besançon",),
        "kinds": ("subvention-fonctionnement",),
        "deadlines": {"kind": "permanent"},
        "state": "publie",
        "created_at": NOW,
        "updated_at": NOW,
    }
    scheme = AidScheme.model_validate(values | fields)
    unit = client.service.schemes()
    found = unit.store.get(scheme.id)
    return await store(unit, scheme, last=found.revision if found else None)
