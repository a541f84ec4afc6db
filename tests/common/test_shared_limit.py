"""Rate limits shared by replicas (issue 18): one count per client in a KV bucket, whichever
replica the client reaches; compare-and-set under concurrent hits; the process's own count
when the bucket cannot be used."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable

import pytest
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig

from vieasso.common.http.shared_limit import SharedRateLimit
from vieasso.common.nats.catalogue import BUCKETS
from vieasso.common.nats.kv import scan
from vieasso.common.nats.provisioning import bucket_config, ensure_bucket

pytestmark = pytest.mark.nats

BUCKET = "annuaire_limits"


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


async def replicas(
    js: JetStreamContext, limit: int, window: float, clock: Callable[[], float] = time.time
) -> tuple[SharedRateLimit, SharedRateLimit]:
    """The same limit as two replicas open it (a name of its own: the session's server is
    shared by every test)."""
    spec = next(b for b in BUCKETS if b.name == BUCKET)
    await ensure_bucket(js, bucket_config(spec, 1))
    name = f"test-{secrets.token_hex(4)}"
    pair = [SharedRateLimit(name, limit, window, clock=clock) for _ in range(2)]
    for shared in pair:
        await shared.open(js, BUCKET)
    return pair[0], pair[1]


async def test_two_replicas_count_one_client_together_and_the_window_slides(
    js: JetStreamContext,
) -> None:
    clock = Clock()
    a, b = await replicas(js, 2, 60, clock)

    assert await a.hit("198.51.100.1") == 0.0
    clock.now += 30
    assert await b.hit("198.51.100.1") == 0.0
    assert await a.hit("198.51.100.1") == pytest.approx(30.0)  # the first leaves in 30 s
    assert await b.hit("198.51.100.1") == pytest.approx(30.0)
    assert await b.hit("198.51.100.2") == 0.0  # another visitor
    clock.now += 30
    assert await b.hit("198.51.100.1") == 0.0


async def test_concurrent_hits_on_both_replicas_let_exactly_the_limit_through(
    js: JetStreamContext,
) -> None:
    a, b = await replicas(js, 5, 600)
    waits = await asyncio.gather(*(limit.hit("203.0.113.9") for limit in [a, b] * 10))
    assert sum(1 for wait in waits if wait == 0.0) == 5


async def test_a_record_deleted_by_an_operator_starts_afresh_in_the_bucket(
    js: JetStreamContext,
) -> None:
    a, b = await replicas(js, 1, 600)
    assert await a.hit("198.51.100.8") == 0.0
    kv = await js.key_value(BUCKET)
    await kv.delete(a.key("198.51.100.8"))

    assert await a.hit("198.51.100.8") == 0.0
    assert await b.hit("198.51.100.8") > 0  # counted in the bucket again, not in A alone


async def test_the_bucket_holds_no_address(js: JetStreamContext) -> None:
    a, _ = await replicas(js, 3, 600)
    await a.hit("198.51.100.77")
    kv = await js.key_value(BUCKET)
    stored = [(entry.key, entry.value or b"") async for entry in scan(kv, ">")]
    assert a.key("198.51.100.77") in {key for key, _ in stored}
    assert not [key for key, value in stored if b"198.51" in value or "198.51" in key]


async def test_without_its_bucket_a_replica_counts_in_its_own_process(
    js: JetStreamContext,
) -> None:
    bucket = f"test_limits_{secrets.token_hex(4)}"
    await js.create_key_value(KeyValueConfig(bucket=bucket))
    limit = SharedRateLimit("test", 2, 600)
    await limit.open(js, bucket)
    assert await limit.hit("192.0.2.5") == 0.0
    await js.delete_key_value(bucket)  # NATS answers, the bucket is gone

    assert await limit.hit("192.0.2.5") == 0.0  # counted in the process from here
    assert await limit.hit("192.0.2.5") == 0.0
    assert await limit.hit("192.0.2.5") > 0
