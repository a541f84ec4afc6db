"""Mail requests (`courrier.requests.<service>`, SPEC §8) as stored on the COURRIER work
queue, read without a consumer (message get by sequence), so that reading them takes
nothing from the queue and never competes with the newsletter's consumer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from vieasso.common.subjects import courrier_request

STREAM = "COURRIER"


async def stored_requests(js: JetStreamContext, service: str) -> list[dict[str, Any]]:
    """Every request of `service` still on the queue, oldest first (with its headers)."""
    found: list[dict[str, Any]] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(STREAM, seq=seq, subject=courrier_request(service), next=True)
        except NotFoundError:
            return found
        body: dict[str, Any] = json.loads(msg.data or b"{}")
        body["_headers"] = dict(msg.headers or {})
        body["_raw"] = (msg.data or b"").decode()
        found.append(body)
        assert msg.seq is not None
        seq = msg.seq + 1


async def requests_for(
    js: JetStreamContext, service: str, slug: str, *, at_least: int = 1, within: float = 10.0
) -> list[dict[str, Any]]:
    """The requests of `service` to association `slug`, polling until `at_least` arrived
    (or `within` seconds: then whatever is there, for the caller to assert on)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        mine = [r for r in await stored_requests(js, service) if r["to"].get("association") == slug]
        if len(mine) >= at_least or asyncio.get_running_loop().time() > deadline:
            return mine
        await asyncio.sleep(0.05)
