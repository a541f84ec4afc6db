"""Reading every current value of a KV key pattern in one pass (an ordered consumer)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from nats.js.kv import KV_DEL, KV_PURGE, KeyValue


async def scan(
    kv: KeyValue, pattern: str, *, meta_only: bool = False
) -> AsyncIterator[KeyValue.Entry]:
    """Yield the latest entry of every key matching `pattern` (deleted keys skipped)."""
    watcher = await kv.watch(pattern, ignore_deletes=True, meta_only=meta_only)
    try:
        while True:
            entry = await watcher.updates(timeout=30)  # type: ignore[no-untyped-call]
            if entry is None:
                return
            if entry.operation not in (KV_DEL, KV_PURGE):
                yield entry
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]
