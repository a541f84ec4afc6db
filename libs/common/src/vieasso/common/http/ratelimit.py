"""Per-client rate limits in the process: a sliding window per key, keys kept in an LRU.

Memory is bounded by `max_keys`: a flood from many addresses evicts the least recently
seen counters (those addresses start afresh) instead of growing without end or clearing
everyone's counter at once. IPv6 visitors are counted per /64, the block one subscriber
line gets, so that changing the last bits of the address does not buy new attempts.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from ipaddress import IPv6Address, ip_address, ip_network

DEFAULT_MAX_KEYS = 100_000
IPV6_PREFIX = 64


def client_key(ip: str | None) -> str:
    """The key an address is counted under: itself, its /64 for IPv6, "?" when unknown."""
    if ip is None:
        return "?"
    try:
        address = ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, IPv6Address):
        return str(ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


class RateLimit:
    """At most `limit` hits per `window` seconds per key."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, key: str) -> float:
        """Count one hit: 0.0 when allowed, else the seconds to wait (nothing counted)."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            if len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(hits[0] + self.window - now, 0.001)
        hits.append(now)
        return 0.0


def window_wait(
    hits: list[float], now: float, limit: int, window: float
) -> tuple[float, list[float]]:
    """For sorted `hits`: 0.0 when one more is allowed at `now`, else the seconds until the
    oldest leaves the window; and the hits still in it (at most `limit`)."""
    kept = [t for t in hits if t > now - window][-limit:] if limit > 0 else []
    if len(kept) >= limit:
        return (max(kept[0] + window - now, 0.001) if kept else window), kept
    return 0.0, kept


def retry_after(seconds: float) -> dict[str, str]:
    """The ``Retry-After`` header of a 429 (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
