"""The loans API in-process for the tests (real lifespan on the session's nats-server, httpx
ASGI): the admin's headers, an association with its API token, a basket's JSON body."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import NOW, day, settings_for
from vieasso.common.clock import FrozenClock
from vieasso.common.web.tokens import token_digest
from vieasso.ressources.bootstrap import create_app


@dataclass
class Api:
    client: httpx.AsyncClient
    admin: dict[str, str]
    clock: FrozenClock


@asynccontextmanager
async def running_api(nats_url: str, **settings: Any) -> AsyncIterator[Api]:
    values: dict[str, Any] = {"ressources_max_loans_per_season": 0} | settings
    configured = settings_for(nats_url, **values)
    clock = FrozenClock(NOW)
    app = create_app(configured, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ressources.test") as c:
            await asyncio.wait_for(app.state.runtime.wait_ready(), timeout=20)
            admin = {"Authorization": f"Bearer {configured.admin_token.get_secret_value()}"}
            yield Api(c, admin, clock)


async def wait_for(condition: Callable[[], Any], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def association(js: JetStreamContext) -> tuple[str, dict[str, str]]:
    slug, token = random_slug("asso"), secrets.token_urlsafe(16)
    kv = await js.key_value("annuaire_associations")
    await kv.put(slug, json.dumps({"slug": slug, "token_hash": token_digest(token)}).encode())
    return slug, {"Authorization": f"Bearer {token}"}


def basket(*lines: tuple[str, int], start: int = 10, end: int = 11) -> dict[str, Any]:
    return {
        "starts_on": day(start).isoformat(),
        "ends_on": day(end).isoformat(),
        "lines": [{"resource_id": r, "quantity": q} for r, q in lines],
    }
