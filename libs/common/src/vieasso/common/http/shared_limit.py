"""Per-client rate limits shared by every replica of a service, counted in a KV bucket.

Behind a load balancer each replica sees a share of a client's requests: counted in each
process (`RateLimit`), two replicas would let twice the limit through. `SharedRateLimit`
keeps one record per (limit, client): the times of its hits still in the window. A hit
reads it, drops what left the window, appends now and writes it back naming the revision
read (compare-and-set: when two replicas count the same client at once, one reads again),
with a per-message TTL of the window, so a client quiet for a window leaves nothing behind.
The key is a hash of the limit's name and the client's key (`client_key`): the bucket holds
no address. Times are wall-clock seconds, which every replica reads alike (NTP).

When the bucket cannot be used (NATS unreachable, the bucket full after a flood of
addresses), the replica counts that hit in its own process (`RateLimit`, bounded) and logs
it: the limit weakens to once per replica for a while, it never refuses every visitor.
A hit that loses the compare-and-set `ATTEMPTS` times in a row (one client hammering every
replica at once) is refused for a second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from vieasso.common.http.ratelimit import RateLimit, window_wait
from vieasso.common.nats.kv import read_last, write_if

log = logging.getLogger(__name__)

ATTEMPTS = 10  # compare-and-set conflicts on one client's record before refusing the hit
CONTENDED_WAIT = 1.0


class SharedRateLimit:
    """At most `limit` hits per `window` seconds per key, across every replica that opens
    the same bucket under the same `name`."""

    def __init__(
        self,
        name: str,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.limit = limit
        self.window = window
        self._clock = clock
        self._js: JetStreamContext | None = None
        self._kv: KeyValue | None = None
        self._bucket = ""
        self.local = RateLimit(limit, window, clock=clock)
        """What counts when the bucket cannot (and before `open`)."""

    async def open(self, js: JetStreamContext, bucket: str) -> None:
        self._js, self._kv, self._bucket = js, await js.key_value(bucket), bucket

    def key(self, client: str) -> str:
        return hashlib.sha256(f"{self.name}\0{client}".encode()).hexdigest()[:40]

    async def hit(self, client: str) -> float:
        """Count one hit of `client`: 0.0 when allowed, else the seconds to wait (then
        nothing is counted)."""
        if self._kv is None or self._js is None:
            return self.local.hit(client)
        key = self.key(client)
        try:
            for _ in range(ATTEMPTS):
                hits, last = await self._read(self._kv, key)
                now = self._clock()
                wait, kept = window_wait(hits, now, self.limit, self.window)
                if wait:
                    return wait
                if await self._written(self._js, key, [*kept, now], last):
                    return 0.0
        except (NatsError, TimeoutError) as exc:
            log.warning(
                "rate limit counted in this process: bucket unusable",
                extra={"limit": self.name, "error": repr(exc)},
            )
            return self.local.hit(client)
        # Every attempt lost to another replica counting the same client at that moment:
        # a client that busy is refused for a second rather than let through.
        log.info("rate limit contention: refused", extra={"limit": self.name})
        return CONTENDED_WAIT

    @staticmethod
    async def _read(kv: KeyValue, key: str) -> tuple[list[float], int]:
        """The hits recorded under `key` and the revision they were read at (0: none)."""
        value, last = await read_last(kv, key)
        return _hits(value), last

    async def _written(self, js: JetStreamContext, key: str, hits: list[float], last: int) -> bool:
        """Store `hits` if the record is still at revision `last` (False: it moved)."""
        data = json.dumps(hits).encode()
        return await write_if(js, self._bucket, key, data, last, self.window) is not None


def _hits(value: bytes | None) -> list[float]:
    """The hits a record holds (none when it is unreadable)."""
    try:
        found = json.loads(value or b"[]")
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    return sorted(float(t) for t in found if isinstance(t, int | float))
