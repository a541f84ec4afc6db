"""Reading back what JetStream holds, to compare it with what the tests had acknowledged."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from vieasso.common.nats.kv import scan


async def read_stream(
    js: JetStreamContext, stream: str, subject: str
) -> list[tuple[str, dict[str, Any]]]:
    """Every message of `stream` on `subject` (wildcards allowed), decoded, in order."""
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            inactive_threshold=30.0,
            mem_storage=True,
        ),
    )
    found: list[tuple[str, dict[str, Any]]] = []
    try:
        pending = (await sub.consumer_info()).num_pending
        while pending:
            try:
                batch = await sub.fetch(min(pending, 1000), timeout=2.0)
            except (NatsTimeout, TimeoutError):
                pending = (await sub.consumer_info()).num_pending
                continue
            found.extend((m.subject, json.loads(m.data)) for m in batch)
            pending = batch[-1].metadata.num_pending
    finally:
        await sub.unsubscribe()
    return found


async def kv_values(js: JetStreamContext, bucket: str, prefix: str) -> dict[str, dict[str, Any]]:
    """Current value of every key of `bucket` starting with `prefix` (deleted keys left out)."""
    kv = await js.key_value(bucket)
    return {
        entry.key: json.loads(entry.value) async for entry in scan(kv, f"{prefix}>") if entry.value
    }


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float, what: str, interval: float = 0.2
) -> float:
    """Poll `check` until true; returns the seconds it took (fails after `within`).

    A NATS error (an election in a cluster, a reconnection) counts as "not yet"."""
    started = time.monotonic()
    while True:
        try:
            if await check():
                break
        except (NatsError, TimeoutError):
            pass
        if time.monotonic() - started > within:
            raise TimeoutError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(interval)
    return time.monotonic() - started
