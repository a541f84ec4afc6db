"""Loading the catalog at start (snapshot, then the bucket) and keeping the snapshot fresh.

The snapshot (`snapshot.py`) is written in the background after a load that read many events
from NATS, every `interval` seconds while the catalog changes, and when the service stops;
the file is written in a thread so that feeds keep being served meanwhile.

Every replica writes its own snapshot, without a lease (docs/deploy.md, *Tâches uniques /
leases*): it is a cache of that replica's catalog for that replica's next start, not a job
to run once. Two replicas sharing the directory are harmless too: each file is replaced
atomically (temporary file, rename), holds a consistent catalog up to the stream sequence
in its header, and the bucket's writes after that sequence are read at load, so whichever
replica wrote last, any replica of the same bucket starts right from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.snapshot import Origin, SnapshotFile, freeze
from vieasso.agenda.adapters.store import EventStore
from vieasso.common.bulkload import collector_paused
from vieasso.common.tasks import stop_task

log = logging.getLogger(__name__)

WORTH_A_SNAPSHOT = 1_000  # events read from NATS at start


@dataclass(frozen=True)
class Loaded:
    from_snapshot: int  # events taken from the snapshot
    from_nats: int  # values read from the bucket (all of them without a snapshot)
    seconds: float


class WarmStart:
    def __init__(self, catalog: Catalog, directory: Path | None, interval: float) -> None:
        self._catalog = catalog
        self._file = SnapshotFile(directory) if directory is not None else None
        self._interval = interval
        self._created = ""
        self._saved_version = -1
        self._store: EventStore | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def load(self, store: EventStore) -> Loaded:
        """Fill the catalog: from the snapshot if usable, then every later write."""
        started = time.perf_counter()
        self._store = store
        info = await store.stream_info()
        self._created = info.created.isoformat() if info.created is not None else ""
        catalog = self._catalog
        with collector_paused():
            catalog.begin_load()
            restored = None
            if self._file is not None:
                restored = await asyncio.to_thread(
                    self._file.read, self._created, info.state.last_seq
                )
            after = 0
            if restored is not None:
                catalog.restore(restored.entries)
                after = restored.seq
            read = await store.load(
                catalog.put_stored,
                known=catalog.holds,
                forget=catalog.remove,
                after=after,
                info=info,
            )
            catalog.end_load()
        loaded = Loaded(
            from_snapshot=len(restored.entries) if restored else 0,
            from_nats=read,
            seconds=round(time.perf_counter() - started, 3),
        )
        log.info("agenda catalog loaded", extra={"events": len(catalog), **asdict(loaded)})
        if self._file is not None:
            if restored is not None and read == 0:
                self._saved_version = catalog.version  # the file on disk says it all
            self._task = asyncio.create_task(self._keep_fresh(now=read >= WORTH_A_SNAPSHOT))
        return loaded

    async def save(self) -> None:
        """Write a snapshot of the catalog if it changed since the last one."""
        if self._file is None or self._store is None:
            return
        async with self._lock:
            version = self._catalog.version
            if version == self._saved_version or self._store.seen == 0:
                return
            frozen = freeze(self._catalog, Origin(self._created, self._store.seen))
            try:
                size = await asyncio.to_thread(self._file.write, frozen)
            except OSError:
                log.warning("agenda snapshot not written", exc_info=True)
                return
            self._saved_version = version
            log.info(
                "agenda snapshot written", extra={"events": len(frozen.entries), "bytes": size}
            )

    async def _keep_fresh(self, *, now: bool) -> None:
        """Save at once (after a long load: the next start is then fast), then periodically."""
        if now:
            await self.save()
        while True:
            await asyncio.sleep(self._interval)
            await self.save()

    async def close(self) -> None:
        """Stop the periodic saves and write a last snapshot."""
        await stop_task(self._task)
        self._task = None
        await self.save()
