"""Leases of the jobs that run in one replica at a time (issue 18), on a real nats-server:
of two holders one runs the job; a clean release hands it over at once; a holder that dies
or loses its renewal stops before the other starts."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from tests.support.polling import eventually
from vieasso.common.nats.catalogue import BUCKETS
from vieasso.common.nats.lease import Lease, Work, bucket_of
from vieasso.common.nats.provisioning import bucket_config, ensure_bucket
from vieasso.common.tasks import stop_task

pytestmark = pytest.mark.nats

SHORT = 2  # seconds: the shortest TTL the settings accept
LONG = 60  # seconds: longer than any test waits, so a lapse cannot explain a takeover
HANG = 15.0  # seconds: past this a takeover is missing, not slow


class Jobs:
    """Work for leases that records who ran and whether two ever ran at once."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.started: list[str] = []
        self.most_at_once = 0

    def work(self, name: str) -> Work:
        async def run() -> None:
            self.running.add(name)
            self.started.append(name)
            self.most_at_once = max(self.most_at_once, len(self.running))
            try:
                await asyncio.Event().wait()
            finally:
                self.running.discard(name)

        return run


@pytest.fixture
async def key(js: JetStreamContext) -> str:
    """A lease of its own (the session's server is shared) in a bucket of the catalogue."""
    key = f"annuaire.test-{secrets.token_hex(4)}"
    spec = next(b for b in BUCKETS if b.name == bucket_of(key))
    await ensure_bucket(js, bucket_config(spec, 1))
    return key


@pytest.fixture
async def other(nats_url: str) -> AsyncIterator[Client]:
    """A second connection: the other replica, which a test may cut off."""
    client = await nats.connect(nats_url)
    yield client
    if not client.is_closed:
        await client.close()


async def test_of_two_holders_exactly_one_takes_the_lease(
    js: JetStreamContext, other: Client, key: str
) -> None:
    a, b = Lease(js, key, LONG), Lease(other.jetstream(), key, LONG)

    taken = await asyncio.gather(a.take(), b.take())

    assert sorted(taken) == [False, True]
    assert [a.held, b.held] == list(taken)
    holder, waiting = (a, b) if a.held else (b, a)
    assert await holder.renew()
    assert not await waiting.take()
    await holder.release()
    assert not holder.held
    assert await waiting.take()


async def test_two_keepers_run_the_job_once_and_a_release_hands_it_over_at_once(
    js: JetStreamContext, other: Client, key: str
) -> None:
    jobs = Jobs()
    a = asyncio.create_task(Lease(js, key, LONG).keep(jobs.work("a")))
    b = asyncio.create_task(Lease(other.jetstream(), key, LONG).keep(jobs.work("b")))
    tasks = {"a": a, "b": b}
    try:
        await eventually(lambda: bool(jobs.running), within=HANG, what="one holder runs")
        first = jobs.started[0]

        await stop_task(tasks[first])  # a clean stop: the job stops, the lease is released

        second = "b" if first == "a" else "a"
        # LONG/3 = 20 s between two looks without a change: only the release explains this.
        await eventually(lambda: second in jobs.running, within=HANG, what="takeover")
        assert jobs.started == [first, second]
        assert jobs.most_at_once == 1
    finally:
        for task in tasks.values():
            await stop_task(task)


async def test_a_holder_cut_off_stops_its_job_before_the_other_takes_it_over(
    js: JetStreamContext, other: Client, key: str
) -> None:
    """A killed process: no renewal, no release. Its record lapses after the TTL; the job
    stopped first (NATS unreachable: it stops three quarters of the TTL after its last
    acknowledged renewal)."""
    jobs = Jobs()
    doomed = Lease(other.jetstream(), key, SHORT)
    a = asyncio.create_task(doomed.keep(jobs.work("doomed")))
    await eventually(lambda: doomed.held, within=HANG, what="the first holder takes it")
    b = asyncio.create_task(Lease(js, key, SHORT).keep(jobs.work("survivor")))
    try:
        await other.close()  # cut off: renewals and the release fail from now on

        await eventually(lambda: "survivor" in jobs.running, within=HANG, what="takeover")
        assert jobs.started == ["doomed", "survivor"]
        assert jobs.most_at_once == 1
        assert not a.done()  # the cut-off replica still waits for its connection
    finally:
        await stop_task(a)
        await stop_task(b)


async def test_a_holder_whose_renewal_is_refused_stops_its_job(
    js: JetStreamContext, key: str
) -> None:
    jobs = Jobs()
    lease = Lease(js, key, 3)  # renewed every second
    task = asyncio.create_task(lease.keep(jobs.work("holder")))
    try:
        await eventually(lambda: bool(jobs.running), within=HANG, what="the job runs")
        kv = await js.key_value(bucket_of(key))
        await kv.put(key, b"an operator, or a holder that took the lapsed record")

        await eventually(lambda: not jobs.running, within=HANG, what="the job stops")
        assert not lease.held
        assert (await kv.get(key)).value == b"an operator, or a holder that took the lapsed record"
        assert not task.done()  # it waits for the lease again
    finally:
        await stop_task(task)
