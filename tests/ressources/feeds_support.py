"""What the calendar and export tests share: associations in the directory's bucket (with a
token, as the annuaire stores it), catalogue entries through the API, loans through the
service's use cases, and ICS parsing."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime
from typing import Any

import icalendar
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.catalogue_app import Client, model_body, new_id, until
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.common.web.session_store import token_hash
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.unit import Lending

OPEN = {"notice": {"min_days": 0, "max_days": 365}}


async def put_association(
    js: JetStreamContext, client: Client, name: str | None = None
) -> tuple[str, str]:
    """A validated association with a token; returns (slug, token) once the service sees it."""
    slug, token = random_slug("asso"), secrets.token_urlsafe(24)
    record = AssociationPublic(
        slug=slug,
        name=name or f"Les Amis de {slug}",
        purpose="Animer le quartier.",
        state=AssociationState.VALIDATED,
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
        updated_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    value: dict[str, Any] = record.model_dump(mode="json") | {"token_hash": token_hash(token)}
    await (await js.key_value(ASSOCIATIONS)).put(slug, json.dumps(value).encode())
    directory = client.catalogue.directory
    await until(lambda: directory.association(slug) is not None, what="association seen")
    return slug, token


async def put_model(client: Client, **fields: Any) -> str:
    model_id = new_id("barnum")
    body = model_body(**(OPEN | fields))
    put = await client.http.put(
        f"/api/catalogue/materiel/{model_id}", json=body, headers=client.admin
    )
    assert put.status_code == 200, put.text
    return model_id


def lending(client: Client) -> Lending:
    unit: Lending = client.app.state.loans.lending()
    return unit


async def lend(
    client: Client,
    slug: str,
    lines: list[tuple[ResourceKind, str, int]],
    starts_on: date,
    ends_on: date,
    *,
    granted: list[int] | None = None,
    halves: tuple[Half, Half] = (Half.MORNING, Half.AFTERNOON),
) -> Loan:
    """A request of `slug`, approved with `granted` units (default: all asked)."""
    request = LoanRequest(
        starts_on=starts_on,
        ends_on=ends_on,
        first_half=halves[0],
        last_half=halves[1],
        lines=tuple(RequestLine(resource_id=i, kind=k, quantity=n) for k, i, n in lines),
    )
    loan = await request_loan(lending(client), slug, request)
    return await approve(lending(client), loan.id, granted or [n for *_, n in lines])


def events(body: bytes) -> list[icalendar.Component]:
    calendar = icalendar.Calendar.from_ical(body)
    return sorted(calendar.walk("VEVENT"), key=lambda e: (e.decoded("dtstart"), str(e["uid"])))
