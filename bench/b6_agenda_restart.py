"""B6: agenda restart with 50,000 events in JetStream → `/healthz` 200.

Measured from the process start (`vieasso-agenda serve`) to the first 200 of `/healthz`,
which the agenda answers only once connected, provisioned, the directory mirrored and every
event loaded into its index. A restart reads the catalog snapshot the previous run left
(`VIEASSO_AGENDA_CACHE_DIR`) and then the writes made since; the first start (no snapshot:
every event read from NATS, a new machine) is reported too. Baseline in the same run: the
same restart with an empty `agenda_events` bucket (interpreter start, imports, connection),
so the ratio shows what loading the events costs.
"""

from __future__ import annotations

import asyncio

import nats

from bench.b1_agenda_ingest import AgendaPlatform, fill_directory
from bench.b2_agenda_ics import synthetic_records
from bench.report import Figure
from tests.support.processes import wait_until
from vieasso.agenda.adapters.snapshot import FILE_NAME
from vieasso.agenda.adapters.store import BUCKET, encode


async def fill_events(url: str, count: int) -> None:
    """Write `count` canonical events straight into `agenda_events`, as the agenda would."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await fill_directory(js, 50)
    for record in synthetic_records(count):
        await js.publish_async(f"$KV.{BUCKET}.{record.key}", encode(record))
    await js.publish_async_completed()
    stored = (await (await js.key_value(BUCKET)).status()).values
    await nc.close()
    if stored != count:
        raise AssertionError(f"B6: {stored} events stored instead of {count}")


def run(quick: bool) -> list[Figure]:
    count = 5_000 if quick else 50_000
    platform = AgendaPlatform()
    try:
        asyncio.run(fill_directory_only(platform.nats.url))
        empty = platform.start_agenda()
        platform.stop_agenda()
        asyncio.run(fill_events(platform.nats.url, count))
        snapshot = platform.cache_dir / FILE_NAME
        first = platform.start_agenda()
        wait_until(snapshot.exists, timeout=120, interval=0.05, what="the catalog snapshot")
        platform.stop_agenda()
        restart = platform.start_agenda()
        platform.stop_agenda()
    finally:
        platform.close()
    return [
        Figure(
            bench="B6",
            what=f"restart with {count:,} events → /healthz 200",
            value=restart,
            unit="s",
            baseline=empty,
            baseline_what="same restart, no events",
            target="≤ 3 s",
            higher_is_better=False,
        ),
        Figure(
            bench="B6",
            what=f"first start with {count:,} events, no snapshot (a new machine)",
            value=first,
            unit="s",
            baseline=empty,
            baseline_what="same start, no events",
            target="—",
            higher_is_better=False,
        ),
    ]


async def fill_directory_only(url: str) -> None:
    nc = await nats.connect(url)
    await fill_directory(nc.jetstream(), 50)
    await nc.close()
