"""Where the leak scan looks for addresses (SPEC §7, issue 13), derived from the catalogue
(`vieasso.common.nats.catalogue`) so that a new stream or bucket is scanned without anyone
remembering to add it:

- every stream of `STREAMS`: the messages it still holds at the end, and — through a `Tap`, a
  plain NATS subscription to the stream's subjects for the whole scenario — every message
  published on it, so that a work queue's messages (`COURRIER`, the digest deliveries) are
  read even once consumed and removed;
- every KV bucket of `BUCKETS` not marked `personal_data` (public by contract), backed up or
  not, every revision its stream still holds.

The buckets marked `personal_data` are read apart (`Stored.personal`), for the scan to check
that the addresses are indeed there: it is not looking in vain.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from vieasso.common.nats.catalogue import BUCKETS, STREAMS
from vieasso.common.nats.kv import scan

PUBLIC_BUCKETS = tuple(b.name for b in BUCKETS if not b.personal_data)
PERSONAL_BUCKETS = tuple(b.name for b in BUCKETS if b.personal_data)


def stream_subjects() -> list[str]:
    """The subjects of every stream of the catalogue (what the tap subscribes to)."""
    return [subject for spec in STREAMS for subject in spec.subjects]


@dataclass
class Stored:
    """`where → bytes` of every message the scan reads, and the personal buckets' values."""

    scanned: dict[str, bytes] = field(default_factory=dict)
    personal: dict[str, bytes] = field(default_factory=dict)


async def _stream_messages(js: JetStreamContext, name: str) -> list[tuple[str, bytes]]:
    info = await js.stream_info(name)
    found: list[tuple[str, bytes]] = []
    first = info.state.first_seq if info.state.messages else info.state.last_seq + 1
    for seq in range(max(first, 1), info.state.last_seq + 1):
        try:
            msg = await js.get_msg(name, seq)
        except NotFoundError:
            continue
        where = f"{name}#{seq} {msg.subject}"
        found.append((where, (msg.data or b"") + repr(msg.headers).encode()))
    return found


async def read_stored(url: str) -> Stored:
    """Every message of every stream and of every public bucket's stream; the personal
    buckets' current values."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=10)
    stored = Stored()
    try:
        for name in [s.name for s in STREAMS] + [f"KV_{b}" for b in PUBLIC_BUCKETS]:
            stored.scanned.update(await _stream_messages(js, name))
        for bucket in PERSONAL_BUCKETS:
            kv = await js.key_value(bucket)
            async for entry in scan(kv, ">"):
                stored.personal[f"{bucket}/{entry.key}"] = entry.value or b""
    finally:
        await nc.close()
    return stored


class Tap:
    """Records every message published on the catalogue's streams' subjects, from a thread
    of its own (the scenario's code is synchronous). A slow-consumer drop would make the
    scan blind: it is recorded in `errors`, which the scan checks is empty."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.messages: list[tuple[str, bytes]] = []
        self.errors: list[str] = []
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="leak-tap", daemon=True)

    def __enter__(self) -> Tap:
        self._thread.start()
        if not self._ready.wait(timeout=20):
            raise TimeoutError(f"the tap did not subscribe: {self.errors}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=20)

    def published(self) -> dict[str, bytes]:
        """`where → bytes` of the messages seen so far."""
        return {f"tap#{n} {subject}": data for n, (subject, data) in enumerate(self.messages)}

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        async def seen(msg: Msg) -> None:
            self.messages.append((msg.subject, msg.data + repr(msg.headers).encode()))

        async def failed(exc: Exception) -> None:
            self.errors.append(repr(exc))

        try:
            nc = await nats.connect(self.url, error_cb=failed)
            for subject in stream_subjects():
                await nc.subscribe(subject, cb=seen, pending_msgs_limit=1_000_000)
            await nc.flush()
        except Exception as exc:
            self.errors.append(repr(exc))
            return
        self._ready.set()
        await self._stop.wait()
        await nc.drain()


def found_in(marker: str, sources: Mapping[str, bytes]) -> list[str]:
    """Where `marker` occurs among `sources`."""
    return [where for where, body in sources.items() if marker.encode() in body]
