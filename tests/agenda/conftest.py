"""Fixtures of the agenda tests: directory data in the annuaire buckets, the app in-process.

The app runs its real lifespan (NATS connection, provisioning, catalog load, consumer) on the
session's nats-server; HTTP goes through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from tests.conftest import random_slug
from vieasso.agenda.bootstrap import Wiring, create_app, with_fast_path
from vieasso.agenda.config import AgendaSettings
from vieasso.common import subjects
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventSubmission
from vieasso.common.messages.annuaire import (
    Accessibility,
    AssociationPublic,
    AssociationState,
    VenuePublic,
)
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.models import Quartier, Theme

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@dataclass
class Directory:
    """Writes reference data where the annuaire would, for one test."""

    js: JetStreamContext

    async def association(
        self,
        slug: str | None = None,
        *,
        state: AssociationState = AssociationState.VALIDATED,
        token_hash: str | None = None,
    ) -> str:
        slug = slug or random_slug("asso")
        record = AssociationPublic(
            slug=slug,
            name=f"Les Amis de {slug}",
            purpose="Animer le quartier.",
            state=state,
            created_at=NOW,
            updated_at=NOW,
        )
        value: dict[str, Any] = record.model_dump(mode="json")
        if token_hash is not None:
            value["token_hash"] = token_hash
        kv = await self.js.key_value("annuaire_associations")
        await kv.put(slug, json.dumps(value).encode())
        return slug

    async def venue(
        self,
        venue_id: str | None = None,
        *,
        quartier: str = "battant",
        accessibility: Accessibility = Accessibility(),  # noqa: B008 - frozen model
    ) -> str:
        venue_id = venue_id or random_slug("salle")
        record = VenuePublic(
            id=venue_id,
            name=f"Salle {venue_id}",
            address="1 rue de la République",
            postal_code="25000",
            lat=47.2378,
            lon=6.0241,
            quartier=quartier,
            accessibility=accessibility,
        )
        kv = await self.js.key_value("annuaire_venues")
        await kv.put(venue_id, record.model_dump_json().encode())
        return venue_id

    async def theme(self, code: str | None = None) -> str:
        code = code or random_slug("theme")
        kv = await self.js.key_value("annuaire_reference")
        await kv.put(
            f"theme.{code}", Theme(code=code, label=f"Thème {code}").model_dump_json().encode()
        )
        return code

    async def quartier(self, code: str) -> str:
        kv = await self.js.key_value("annuaire_reference")
        value = Quartier(code=code, label=code.title()).model_dump_json().encode()
        await kv.put(f"quartier.{code}", value)
        return code


@pytest.fixture
async def directory(js: JetStreamContext, nats_url: str) -> Directory:
    await provision(js, 1)
    return Directory(js)


@dataclass
class Running:
    app: FastAPI
    wiring: Wiring
    client: httpx.AsyncClient
    clock: FrozenClock
    settings: AgendaSettings


async def wait_for(
    condition: Callable[[], object], *, within: float = 10.0, what: str = ""
) -> None:
    """Poll `condition` until truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {what or condition}")


@asynccontextmanager
async def create_running(nats_url: str) -> AsyncIterator[Running]:
    """An agenda app, started (lifespan: provisioning, catalog load, consumer) and ready."""
    settings = AgendaSettings(
        nats_url=nats_url,
        admin_token=secrets.token_urlsafe(24),
        log_json=False,
        # A fresh durable per app: a batch in flight when the previous test's app stopped
        # would otherwise wait for its ack deadline. The new durable replays the stream,
        # which the stored stream sequence makes harmless.
        agenda_consumer=f"agenda-test-{secrets.token_hex(4)}",
    )
    clock = FrozenClock(NOW)
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=with_fast_path(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://agenda.test") as client:
            runtime = app.state.runtime
            await asyncio.wait_for(runtime.wait_ready(), timeout=20)
            yield Running(app, app.state.wiring, client, clock, settings)


@pytest.fixture
async def agenda(nats_url: str, directory: Directory) -> AsyncIterator[Running]:
    async with create_running(nats_url) as running:
        yield running


def submission(slug: str, event_id: str | None = None, **fields: Any) -> EventSubmission:
    values: dict[str, Any] = {
        "title": "Repair café",
        "start": "2026-03-14T14:00:00+01:00",
        "end": "2026-03-14T18:00:00+01:00",
        "place": {"name": "Maison de quartier", "address": "3 rue Battant", "postal_code": "25000"},
    }
    values.update(fields)
    return EventSubmission(association=slug, event_id=event_id or random_slug("ev"), **values)


async def submit(js: JetStreamContext, message: EventSubmission, slug: str | None = None) -> None:
    await js.publish(
        subjects.submission(slug or message.association),
        message.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(message.message_id)},
    )


async def applied(
    running: Running, js: JetStreamContext, message: EventSubmission, *, sequence: int = 0
) -> None:
    """Submit `message` on NATS and wait until the catalog holds that version of the event."""
    await submit(js, message)
    key = f"{message.association}.{message.event_id}"

    def done() -> bool:
        entry = running.wiring.catalog.get(key)
        return entry is not None and entry.record.event.sequence >= sequence

    await wait_for(done, what=f"{key} at sequence {sequence}")


async def get_calendar(running: Running, url: str) -> icalendar.Calendar:
    response = await running.client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def vevents(calendar: icalendar.Calendar) -> dict[str, icalendar.Component]:
    return {str(c["UID"]): c for c in calendar.walk("VEVENT")}
