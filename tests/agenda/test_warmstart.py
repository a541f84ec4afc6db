"""The catalog snapshot: a restart from it plus the later writes gives the catalog that a
full read of `agenda_events` gives, and a snapshot that does not fit the bucket is ignored.

Each test has its own nats-server: the bucket's sequences and creation time are the point.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from bench.b2_agenda_ics import synthetic_records
from tests.support.nats_server import NatsServer
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.snapshot import FILE_NAME
from vieasso.agenda.adapters.store import BUCKET, EventStore, encode
from vieasso.agenda.adapters.warmstart import Loaded, WarmStart
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats

COUNT = 300


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    own = NatsServer(workdir=tmp_path / "nats").start()
    yield own
    own.stop()


@pytest.fixture
async def js(server: NatsServer) -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    await provision(js, 1)
    yield js
    await nc.close()


async def fill(js: JetStreamContext, count: int = COUNT) -> None:
    kv = await js.key_value(BUCKET)
    for record in synthetic_records(count):
        await kv.put(record.key, encode(record))


async def load(js: JetStreamContext, cache: Path | None) -> tuple[Catalog, Loaded, WarmStart]:
    catalog = Catalog()
    store = await EventStore.open(js)
    warm = WarmStart(catalog, cache, interval=3600)
    loaded = await warm.load(store)
    return catalog, loaded, warm


def contents(catalog: Catalog) -> dict[str, tuple[int, object, bytes]]:
    """Every entry as (revision, listing, canonical stored JSON)."""
    found: dict[str, tuple[int, object, bytes]] = {}
    for entry in catalog:
        stored = entry.stored()
        raw = bytes(stored) if isinstance(stored, (bytes, memoryview)) else encode(stored)
        found[entry.listing.key] = (entry.revision, entry.listing, raw)
    return found


async def test_restart_from_snapshot_reads_only_later_writes(
    js: JetStreamContext, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    await fill(js)
    _, loaded, warm = await load(js, cache)
    assert (loaded.from_snapshot, loaded.from_nats) == (0, COUNT)
    await warm.close()  # a graceful stop writes the snapshot
    assert (cache / FILE_NAME).stat().st_size > 0

    kv = await js.key_value(BUCKET)
    records = synthetic_records(COUNT + 3)
    for record in records[:5]:  # five edits (a later revision of the same key)
        changed = record.model_copy(update={"last_message_id": "edited"})
        await kv.put(record.key, encode(changed))
    for record in records[5:7]:  # two deletions
        await kv.delete(record.key)
    for record in records[COUNT:]:  # three new events
        await kv.put(record.key, encode(record))

    warm_catalog, warm_loaded, warm = await load(js, cache)
    await warm.close()
    cold_catalog, cold_loaded, cold = await load(js, None)
    await cold.close()

    assert warm_loaded.from_snapshot == COUNT
    assert warm_loaded.from_nats == 5 + 3  # deletions are applied, not counted as events
    assert cold_loaded.from_nats == COUNT - 2 + 3
    assert contents(warm_catalog) == contents(cold_catalog)
    assert len(warm_catalog) == COUNT + 1
    assert records[5].key not in contents(warm_catalog)


async def test_snapshot_of_another_bucket_is_ignored(js: JetStreamContext, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await fill(js)
    _, _, warm = await load(js, cache)
    await warm.close()

    # The bucket is deleted and created again (a restore): same keys, other sequences.
    await js.delete_key_value(BUCKET)
    await provision(js, 1)
    await fill(js, COUNT // 2)
    catalog, loaded, warm = await load(js, cache)
    await warm.close()
    assert (loaded.from_snapshot, loaded.from_nats) == (0, COUNT // 2)
    assert len(catalog) == COUNT // 2


async def test_truncated_snapshot_is_ignored(js: JetStreamContext, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await fill(js)
    _, _, warm = await load(js, cache)
    await warm.close()
    path = cache / FILE_NAME
    path.write_bytes(path.read_bytes()[:-100])

    catalog, loaded, warm = await load(js, cache)
    await warm.close()
    assert (loaded.from_snapshot, loaded.from_nats) == (0, COUNT)
    assert len(catalog) == COUNT


async def test_no_write_after_the_snapshot_needs_no_wait(
    js: JetStreamContext, tmp_path: Path
) -> None:
    """Nothing after the snapshot's sequence: the load ends (no message will come to say so)."""
    cache = tmp_path / "cache"
    await fill(js)
    _, _, warm = await load(js, cache)
    await warm.close()
    written = (cache / FILE_NAME).stat().st_mtime_ns
    _, loaded, warm = await load(js, cache)
    await warm.close()
    assert (loaded.from_snapshot, loaded.from_nats) == (COUNT, 0)
    # Nothing changed: the stop does not write the same snapshot again.
    assert (cache / FILE_NAME).stat().st_mtime_ns == written
