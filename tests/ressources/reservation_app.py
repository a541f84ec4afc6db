"""What the reservation pages' tests share: an association validated in the directory with
its signed-in browser, catalogue entries put through the API, the city's session, the loans
of one association read from the bucket, and a form post."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from nats.js import JetStreamContext

from tests.ressources.catalogue_app import (
    NOW,
    Client,
    model_body,
    new_id,
    put_venue,
    room_body,
    until,
)
from tests.support.sessions import session_cookie
from vieasso.common.messages.agenda import CanonicalEvent
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.web import Kind
from vieasso.common.web.session_store import token_hash
from vieasso.ressources.domain.loans import Loan

SPACE = "/espace-association/reservations"
CITY = "/espace-ville/prets"
DAY = "2027-04-10"  # a Saturday, 26 days after the clock's 15 March 2027


@dataclass
class Association:
    slug: str
    name: str
    headers: dict[str, str]


async def association(js: JetStreamContext, client: Client, slug: str = "") -> Association:
    """A validated association in the directory's bucket (`slug`, or a new one) and a
    browser signed in as it now."""
    slug, token = slug or new_id("asso"), secrets.token_urlsafe(24)
    record = AssociationPublic(
        slug=slug,
        name=f"Les Amis de {slug}",
        purpose="Animer le quartier.",
        state=AssociationState.VALIDATED,
        created_at=NOW,
        updated_at=NOW,
    )
    value: dict[str, Any] = record.model_dump(mode="json") | {"token_hash": token_hash(token)}
    await (await js.key_value("annuaire_associations")).put(slug, json.dumps(value).encode())
    directory = client.catalogue.directory
    await until(lambda: directory.association(slug) is not None, what="association seen")
    headers = await session_cookie(
        js, Kind.ASSOCIATION, token, slug, clock=client.clock, settings=client.settings
    )
    return Association(slug, record.name, headers)


async def city(js: JetStreamContext, client: Client) -> dict[str, str]:
    token = client.settings.admin_token.get_secret_value()
    return await session_cookie(js, Kind.CITY, token, clock=client.clock, settings=client.settings)


@dataclass
class Stock:
    barnum: str
    sono: str
    room: str


async def stock(js: JetStreamContext, client: Client) -> Stock:
    """Three barnums (21 to 92 days' notice), a sound system needing 60 days' notice, and a
    room open on Mondays and Saturday mornings; seen by the service once put."""
    barnum, sono, room = new_id("barnum"), new_id("sono"), new_id("salle")
    venue = await put_venue(js, client)
    bodies = (
        (f"materiel/{barnum}", model_body(name=f"Barnum {barnum}", stock=3, damage_fee_eur=150)),
        (f"materiel/{sono}", model_body(name=f"Sono {sono}", category="sonorisation", stock=2)),
        (f"salles/{room}", room_body(venue.id, name=f"Salle {room}")),
    )
    bodies[1][1]["notice"] = {"min_days": 60, "max_days": 120}
    for path, body in bodies:
        put = await client.http.put(f"/api/catalogue/{path}", json=body, headers=client.admin)
        assert put.status_code == 200, put.text
    entries = client.app.state.loans.entries
    await until(lambda: len([k for k in entries.items if k.endswith((barnum, sono, room))]) == 3,
                what="entries seen by the loans")  # fmt: skip
    return Stock(barnum, sono, room)


def loans_of(client: Client, slug: str) -> list[Loan]:
    found: list[Loan] = client.app.state.loans.loans.of_association(slug)
    return found


def basket(**fields: str) -> dict[str, str]:
    return {"du": DAY, "au": DAY, "debut": "matin", "fin": "matin"} | fields


def stored_event(slug: str, event_id: str, title: str, days: int) -> bytes:
    """An event as the agenda keeps it in `agenda_events`, `days` after the clock."""
    start = NOW + timedelta(days=days)
    event = CanonicalEvent.model_validate(
        {
            "uid": f"{slug}.{event_id}@exemple.fr",
            "sequence": 0,
            "association": slug,
            "association_name": "Asso",
            "event_id": event_id,
            "content": {
                "title": title,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
            "location": {},
            "url": f"http://127.0.0.1:8002/events/{slug}/{event_id}",
            "created_at": NOW.isoformat(),
            "last_modified": NOW.isoformat(),
        }
    )
    value = {
        "event": event.model_dump(mode="json", exclude_defaults=True),
        "span_start": start.isoformat(),
        "span_end": (start + timedelta(hours=2)).isoformat(),
    }
    return json.dumps(value).encode()
