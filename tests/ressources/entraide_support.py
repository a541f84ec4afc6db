"""What the entraide tests share: the ressources app in-process on a given nats-server
(reached over ASGI HTTP), validated associations with a private contact, themes and a
quartier, each with a signed-in browser, and the reference data the forms check."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import Client, until
from tests.support.sessions import session_cookie
from vieasso.common.clock import FrozenClock
from vieasso.common.directory import REFERENCE
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.web import Kind
from vieasso.common.web.session_store import token_hash
from vieasso.ressources.bootstrap import create_app
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.handlers.annonces import Entraide

SPACE = "/espace-association/entraide"


@dataclass
class Member:
    """A validated association: its slug, name, private contact and signed-in browser."""

    slug: str
    name: str
    email: str
    headers: dict[str, str]


def new_code(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@asynccontextmanager
async def running_entraide(
    nats_url: str, clock: FrozenClock, **values: Any
) -> AsyncIterator[Client]:
    settings = RessourcesSettings(
        nats_url=nats_url,
        log_json=False,
        admin_token=secrets.token_urlsafe(24),
        public_base_url="https://ressources.test",
        **values,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ressources") as http:
            await until(lambda: True, http_ok=(http, "/healthz"), what="healthy service")
            yield Client(http, app, settings, clock)


def entraide_of(client: Client) -> Entraide:
    unit: Entraide = client.app.state.entraide.unit
    return unit


async def reference(js: JetStreamContext, client: Client, theme: str, quartier: str) -> None:
    """A theme and a quartier in the directory's reference bucket, seen by the service."""
    kv = await js.key_value(REFERENCE)
    await kv.put(f"theme.{theme}", json.dumps({"code": theme, "label": f"Thème {theme}"}).encode())
    label = f"Quartier {quartier}"
    await kv.put(f"quartier.{quartier}", json.dumps({"code": quartier, "label": label}).encode())
    directory = client.catalogue.directory
    await until(
        lambda: directory.theme(theme) is not None and directory.quartier(quartier) is not None,
        what="reference seen",
    )


async def member(
    js: JetStreamContext,
    client: Client,
    name: str,
    *,
    at: datetime,
    themes: tuple[str, ...] = (),
    quartier: str | None = None,
    phone: str | None = None,
) -> Member:
    slug, token = f"asso-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    email = f"prive-{slug}@asso.localhost"
    record = AssociationPublic(
        slug=slug,
        name=name,
        purpose=f"Objet de {name}.",
        themes=themes,
        quartier=quartier,
        phone=phone,
        state=AssociationState.VALIDATED,
        created_at=at,
        updated_at=at,
        validated_at=at,
    )
    value: dict[str, Any] = record.model_dump(mode="json") | {
        "token_hash": token_hash(token),
        "private_contact": {"name": "Camille Martin", "email": email},
    }
    await (await js.key_value("annuaire_associations")).put(slug, json.dumps(value).encode())
    directory = client.catalogue.directory
    await until(lambda: directory.association(slug) is not None, what="association seen")
    headers = await session_cookie(
        js, Kind.ASSOCIATION, token, slug, clock=client.clock, settings=client.settings
    )
    return Member(slug, name, email, headers)


def annonce_form(**fields: str) -> dict[str, str]:
    return {
        "direction": "besoin",
        "kind": "materiel",
        "title": "Nous cherchons un barnum pour la fête",
        "description": "Pour la fête de quartier du printemps.",
    } | fields


async def post_annonce(client: Client, who: Member, form: dict[str, Any]) -> str:
    """Publish from the association space; the new annonce's id."""
    before = set(entraide_of(client).store.annonces.items)
    answer = await client.http.post(SPACE, data=form, headers=who.headers)
    assert answer.status_code == 303, answer.text
    [key] = set(entraide_of(client).store.annonces.items) - before
    return key.removeprefix("annonce.")
