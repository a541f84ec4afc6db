"""The lending mails as the tests read them: the ressources' requests stored on the COURRIER
queue (read without a consumer, `tests.support.courrier`), by association, and a running
loan service whose directory knows the association."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from nats.js import JetStreamContext

from tests.newsletter.courrier_support import put_association
from tests.ressources.conftest import running_service, settings_for
from tests.support.courrier import stored_requests
from vieasso.common.clock import FrozenClock
from vieasso.ressources.service import RessourcesService

SERVICE = "ressources"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


async def asked_for(js: JetStreamContext, slug: str) -> list[dict[str, Any]]:
    """Every request of the ressources about association `slug` (to it, or to the team
    about it), oldest first."""
    return [
        r
        for r in await stored_requests(js, SERVICE)
        if r["to"].get("association") == slug or r["params"].get("association_slug") == slug
    ]


async def asked_until(
    js: JetStreamContext, slug: str, count: int, within: float = 10.0
) -> list[dict[str, Any]]:
    """The requests about `slug`, polled until `count` are there (or `within` seconds)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await asked_for(js, slug)
        if len(found) >= count or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def known_association(
    js: JetStreamContext, service: RessourcesService, name: str, email: str | None = None
) -> str:
    """An association in the directory's bucket, seen by the service's directory view."""
    email = email or f"contact-{secrets.token_hex(3)}@asso.localhost"
    slug = await put_association(js, name=name, email=email)
    deadline = asyncio.get_running_loop().time() + 10
    while service.directory.association(slug) is None:
        assert asyncio.get_running_loop().time() < deadline, "directory view never saw it"
        await asyncio.sleep(0.02)
    return slug


@asynccontextmanager
async def loan_service(
    js: JetStreamContext, nats_url: str, clock: FrozenClock, **values: Any
) -> AsyncIterator[RessourcesService]:
    settings = settings_for(nats_url, ressources_max_loans_per_season=0, **values)
    async with running_service(js, settings, clock) as service:
        yield service
