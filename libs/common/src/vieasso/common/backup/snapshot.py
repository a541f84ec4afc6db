"""JetStream's snapshot and restore API over a plain NATS connection (nats-py has none).

A snapshot is the server's own point-in-time copy of one stream: its messages with their
sequence numbers, subjects, headers and timestamps, its deleted-message gaps and its
consumers' state (e.g. the agenda's durable consumer), as an s2-compressed tar. KV buckets are
streams (``KV_<bucket>``), saved the same way. Restoring needs a server without that stream.

Protocol (nats-server ``jetstream_api.go``): ``$JS.API.STREAM.SNAPSHOT.<name>`` answers with
the stream's config and state, then sends chunks to our deliver subject, each with a reply
subject to acknowledge for flow control, and an empty message at the end.
``$JS.API.STREAM.RESTORE.<name>`` answers with a subject to which we send the chunks as
requests, then an empty request, answered with the restored stream's info.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError

CHUNK_SIZE = 128 * 1024
INTEREST_WAIT = 10.0  # seconds for the restoring node's interest to reach ours
API_TIMEOUT = 30.0  # seconds; a big stream's snapshot starts after the server has read it


class SnapshotError(RuntimeError):
    """The server refused or broke off a snapshot or a restore."""


def _answer(data: bytes, what: str) -> dict[str, Any]:
    if data.startswith(b"-ERR"):
        raise SnapshotError(f"{what}: {data.decode(errors='replace')}")
    answer: dict[str, Any] = json.loads(data)
    if "error" in answer:
        raise SnapshotError(f"{what}: {answer['error'].get('description', answer['error'])}")
    return answer


async def snapshot(nc: Client, stream: str) -> tuple[dict[str, Any], AsyncIterator[bytes]]:
    """Start a snapshot of `stream`: (its config and state, the chunks of its data)."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    request = {"deliver_subject": inbox, "chunk_size": CHUNK_SIZE, "no_consumers": False}
    try:
        reply = await nc.request(
            f"$JS.API.STREAM.SNAPSHOT.{stream}", json.dumps(request).encode(), API_TIMEOUT
        )
        meta = _answer(reply.data, f"snapshot of {stream}")
    except BaseException:
        await sub.unsubscribe()
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                msg = await sub.next_msg(timeout=API_TIMEOUT)
                status = (msg.headers or {}).get("Status")
                if status not in (None, "204"):
                    raise SnapshotError(f"snapshot of {stream} broken off: status {status}")
                if not msg.data:
                    return
                if msg.reply:
                    await nc.publish(msg.reply, b"")
                yield msg.data
        finally:
            await sub.unsubscribe()

    return {"config": meta["config"], "state": meta["state"]}, chunks()


async def restore(
    nc: Client, stream: str, meta: dict[str, Any], chunks: Iterable[bytes]
) -> dict[str, Any]:
    """Recreate `stream` from a snapshot; returns the restored stream's info."""
    body = json.dumps({"config": meta["config"], "state": meta["state"]}).encode()
    reply = await nc.request(f"$JS.API.STREAM.RESTORE.{stream}", body, API_TIMEOUT)
    target = _answer(reply.data, f"restore of {stream}")["deliver_subject"]
    for chunk in chunks:
        ack = await _send(nc, target, chunk)
        if ack.data:
            _answer(ack.data, f"restore of {stream}")
    done = await _send(nc, target, b"")
    return _answer(done.data, f"restore of {stream}")


async def _send(nc: Client, target: str, chunk: bytes) -> Msg:
    """One chunk of a restore. In a cluster the server receiving it may be another node than
    ours: until its subscription is known here, the request finds no responders."""
    deadline = asyncio.get_running_loop().time() + INTEREST_WAIT
    while True:
        try:
            return await nc.request(target, chunk, API_TIMEOUT)
        except NoRespondersError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
