"""Fixtures of the loan tests: the ressources service's use cases on the session's real
nats-server (buckets provisioned), a frozen clock, catalogue entries written where the
catalogue keeps them, and the facts read back from the RESSOURCES stream."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.base import Message
from vieasso.common.nats.catalogue import stream_for
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.catalogue import EquipmentModel, Notice, Room, entry_key
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
OPEN_NOTICE = Notice(min_days=0, max_days=365)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@dataclass
class StreamPublisher:
    """Publishes like the service's `JetStreamPublisher` (ack awaited, ``Nats-Msg-Id``)."""

    js: JetStreamContext

    async def __call__(self, subject: str, message: Message) -> None:
        await self.js.publish(
            subject,
            message.model_dump_json().encode(),
            stream=stream_for(subject),
            headers={"Nats-Msg-Id": str(message.message_id)},
        )


@dataclass
class Catalogue:
    js: JetStreamContext

    async def model(self, stock: int, **fields: Any) -> EquipmentModel:
        values: dict[str, Any] = {
            "id": random_slug("barnum"),
            "name": "Barnum 3×3 m",
            "category": "barnums",
            "stock": stock,
            "storage_place": "Centre technique municipal",
            "notice": OPEN_NOTICE,
            "updated_at": NOW,
        }
        values.update(fields)
        return await self._put(EquipmentModel(**values))

    async def room(self, **fields: Any) -> Room:
        values: dict[str, Any] = {
            "id": random_slug("salle"),
            "name": "Salle polyvalente",
            "venue_id": random_slug("lieu"),
            "capacity": 50,
            "notice": OPEN_NOTICE,
            "updated_at": NOW,
        }
        values.update(fields)
        return await self._put(Room(**values))

    async def _put(self, entry: Any) -> Any:
        kv = await self.js.key_value("ressources_catalogue")
        await kv.put(entry_key(entry.kind, entry.id), entry.model_dump_json().encode())
        return entry


def settings_for(nats_url: str, **values: Any) -> RessourcesSettings:
    return RessourcesSettings(
        nats_url=nats_url, admin_token=secrets.token_urlsafe(24), log_json=False, **values
    )


@asynccontextmanager
async def running_service(
    js: JetStreamContext, settings: RessourcesSettings, clock: FrozenClock
) -> AsyncIterator[RessourcesService]:
    service = RessourcesService(settings, StreamPublisher(js), clock)
    await service.start(js, background=False)
    try:
        yield service
    finally:
        await service.stop()


@pytest.fixture
async def catalogue(js: JetStreamContext) -> Catalogue:
    await provision(js, 1)
    return Catalogue(js)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def lending(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> AsyncIterator[Lending]:
    # No season maximum: tests share the server's loans; the fairness test sets its own.
    settings = settings_for(nats_url, ressources_max_loans_per_season=0)
    async with running_service(js, settings, clock) as service:
        yield service.lending()
