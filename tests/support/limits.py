"""The rate limits live in KV buckets shared by a service's replicas (and by every in-process
app a test session starts on its nats-server): a test starting a service empties them, so
that it counts from zero as a freshly started process did when the limits were in memory."""

from __future__ import annotations

import contextlib

import nats
from nats.js.errors import NotFoundError

LIMIT_BUCKETS = ("annuaire_limits", "newsletter_limits")


async def forget_rate_limits(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for bucket in LIMIT_BUCKETS:
            with contextlib.suppress(NotFoundError):
                await js.purge_stream(f"KV_{bucket}")
    finally:
        await nc.close()
