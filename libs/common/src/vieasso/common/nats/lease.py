"""Leases: a background job that must run in one replica at a time runs in the process that
holds its lease, a key `<service>.<job>` of the service's KV bucket `<service>_leases`.

- Take: write this holder's id (host, pid, random) under the key naming the revision read
  (compare-and-set: of two replicas only one succeeds), with a per-message TTL of
  `lease_ttl_seconds` (10 s): a record nobody renews lapses by itself.
- Renew: the same write every third of the TTL, naming the holder's last revision.
- Lose: a renewal refused (someone else wrote since), or none acknowledged for three quarters
  of the TTL after the last acknowledged one was *sent* (NATS unreachable): the job is
  cancelled then, a quarter of the TTL before the server may let the record lapse (the
  server counts the TTL from its receipt, after the send: no two clocks are compared).
- Release, at a clean stop (a rolling restart): the job is cancelled, then the record
  deleted naming the holder's revision; the replicas waiting watch the key, see the deletion
  and one of them takes the lease at once.
- A holder killed (-9) or cut off stops renewing: its record lapses one TTL after its last
  renewal, and a waiting replica takes it at its next look (every third of the TTL, and on
  every change of the key): within 4/3 of the TTL, about 13 s.

A job run this way is cancelled whenever its lease is lost or released: it must leave
nothing half-done that the next holder cannot finish (the platform's sweepers write by
compare-and-set and ask keyed mails, so a round cut short is done again next round).

Wiring a job (`work` loops for ever; cancelling the task stops the job and releases)::

    task = asyncio.create_task(leased(js, settings, "ressources.annonces", self._sweep))
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from vieasso.common.nats.kv import WRONG_LAST, read_last, write_if
from vieasso.common.settings import Settings
from vieasso.common.tasks import cancel_until_done

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]

HELD_FOR = 0.75  # of the TTL after the last acknowledged write was sent
RENEW_EVERY = 1 / 3  # of the TTL
RETRY_EVERY = 1 / 12  # of the TTL, after a renewal not acknowledged


def bucket_of(key: str) -> str:
    """The bucket of a lease: `annuaire.missions` is in `annuaire_leases`."""
    service, _, job = key.partition(".")
    if not service or not job:
        raise ValueError(f"a lease key is <service>.<job>, not {key!r}")
    return f"{service}_leases"


def holder_id() -> str:
    """Who holds a lease: this host and process, and a random part (two leases of one
    process, two services in one test process, never look alike)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


async def leased(js: JetStreamContext, settings: Settings, key: str, work: Work) -> None:
    """Run `work` whenever this process holds the lease `key`, for ever: for
    `asyncio.create_task`; cancelling the task stops `work` and releases the lease."""
    await Lease(js, key, settings.lease_ttl_seconds).keep(work)


class Lease:
    """One job's lease as one process sees it (see the module's docstring)."""

    def __init__(
        self,
        js: JetStreamContext,
        key: str,
        ttl: int,
        *,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.key = key
        self.bucket = bucket_of(key)
        self.ttl = ttl
        self.holder = holder or holder_id()
        self._js = js
        self._kv: KeyValue | None = None
        self._clock = clock
        self._revision = 0
        self._deadline = -math.inf  # held until then (the clock's time)
        self._watcher: Any = None  # a nats-py KeyWatcher while waiting

    @property
    def held(self) -> bool:
        """Whether this process may run the job now."""
        return self._clock() < self._deadline

    async def take(self) -> bool:
        """Take the lease if nobody holds it (renew it if this process does); whether this
        process holds it now."""
        if self.held:
            return True
        try:
            value, last = await read_last(await self._bucket(), self.key)
            if value is not None and value != self.holder.encode():
                return False
            taken = await self._write(last, within=self.ttl * RENEW_EVERY)
        except (NatsError, TimeoutError) as exc:
            log.warning("lease not taken: NATS unusable", extra=self._log(error=repr(exc)))
            return False
        if taken:
            log.info("lease taken", extra=self._log())
        return taken

    async def renew(self) -> bool:
        """Write again naming this holder's revision; whether that was acknowledged. Refused
        (someone else wrote), the lease is lost at once; not acknowledged, it stays held
        until its deadline (`held` says which)."""
        if not self.held:
            return False
        try:
            if await self._write(self._revision, within=self._left()):
                return True
            # Refused: the record moved. Ours still if only the acknowledgement of our own
            # last write was lost; anyone else's otherwise.
            value, last = await read_last(await self._bucket(), self.key)
            if value == self.holder.encode() and await self._write(last, within=self._left()):
                return True
        except (NatsError, TimeoutError) as exc:
            log.warning("lease not renewed", extra=self._log(error=repr(exc)))
            return False
        self._deadline = -math.inf
        log.warning("lease lost to another holder", extra=self._log())
        return False

    async def release(self) -> None:
        """Give the lease up (the waiting replicas take it at once); a no-op if not held."""
        if not self.held:
            return
        self._deadline = -math.inf  # no longer ours, whatever the deletion's fate
        try:
            kv = await self._bucket()
            async with asyncio.timeout(self.ttl * RENEW_EVERY):
                await kv.delete(self.key, last=self._revision)
        except (NatsError, TimeoutError) as exc:
            if getattr(exc, "err_code", None) not in WRONG_LAST:  # else: lapsed, taken since
                log.warning("lease not released: it lapses", extra=self._log(error=repr(exc)))
            return
        log.info("lease released", extra=self._log())

    async def keep(self, work: Work) -> None:
        """Run `work` whenever the lease is held, for ever (until cancelled: then `work` is
        cancelled and the lease released). Not held, wait for a chance to take it."""
        try:
            while True:
                if await self.take():
                    await self._stop_watching()
                    if await self._run(work):  # it stopped by itself: let another replica try
                        await asyncio.sleep(self.ttl * RENEW_EVERY)
                await self._chance()
        finally:
            await _finished(self._stop_watching())

    async def _run(self, work: Work) -> bool:
        """Run `work` while held; whether it ended by itself. Renews on schedule, stops
        `work` when the lease is lost or on cancellation, then releases the lease."""
        task = asyncio.create_task(work(), name=f"leased {self.key}")
        renewal = self._clock() + self.ttl * RENEW_EVERY
        try:
            while not task.done() and self.held:
                wait = min(renewal, self._deadline) - self._clock()
                await asyncio.wait({task}, timeout=max(wait, 0))
                if task.done() or self._clock() < renewal:
                    continue
                again = RENEW_EVERY if await self.renew() else RETRY_EVERY
                renewal = self._clock() + self.ttl * again
            if not task.done():
                log.warning("lease lost: job stopped", extra=self._log())
        finally:
            await _finished(self._stop(task))
        return not task.cancelled()

    async def _stop(self, task: asyncio.Task[None]) -> None:
        if not await cancel_until_done(task):
            return  # still running (logged): its record lapses later than a release would
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("leased job failed", exc_info=exc, extra=self._log())
        await self.release()

    async def _chance(self) -> None:
        """Wait until the lease may be free: its record changed (a release), or a third of
        the TTL passed (a lapse shows no change)."""
        wait = self.ttl * RENEW_EVERY
        try:
            if self._watcher is None:
                self._watcher = await (await self._bucket()).watch(self.key)
            await self._watcher.updates(timeout=wait)
        except (NatsTimeout, TimeoutError):
            return
        except NatsError as exc:
            log.warning("lease not watched", extra=self._log(error=repr(exc)))
            await self._stop_watching()
            await asyncio.sleep(wait)

    async def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            try:
                await watcher.stop()
            except NatsError as exc:
                log.info("lease watch not stopped", extra=self._log(error=repr(exc)))

    async def _write(self, last: int, *, within: float) -> bool:
        sent = self._clock()
        async with asyncio.timeout(max(within, 0.001)):
            revision = await write_if(
                self._js, self.bucket, self.key, self.holder.encode(), last, self.ttl
            )
        if revision is None:
            return False
        self._revision, self._deadline = revision, sent + self.ttl * HELD_FOR
        return True

    def _left(self) -> float:
        return self._deadline - self._clock()

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            self._kv = await self._js.key_value(self.bucket)
        return self._kv

    def _log(self, **extra: str) -> dict[str, str]:
        return {"lease": self.key, "holder": self.holder, **extra}


async def _finished(step: Awaitable[Any]) -> Any:
    """Await `step` to its end even if the caller is cancelled meanwhile (a stop cancels
    again every half second): a job stopped half-way with its lease still held, or the
    lease released with its job still running, would be worse than a short wait. `step`
    bounds its own time. The caller's cancellation is raised afterwards."""
    task = asyncio.ensure_future(step)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()
