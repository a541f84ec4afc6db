"""The production cluster configuration (deploy/nats/cluster.conf) on three real nodes.

Three nats-server processes on loopback read the same file as the three compose nodes; only
environment variables differ. The tests prove the cluster forms, the platform's provisioning
gives every stream and bucket three replicas, acknowledged writes survive kill -9 of the
stream leader (the killed node then catches up), and KV compare-and-set keeps working with
the bucket's leader killed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import nats
import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import KeyWrongLastSequenceError

from tests.conftest import random_slug
from tests.support.nats_cluster import ClusterNode, NatsCluster
from tests.support.processes import wait_until
from vieasso.common import subjects
from vieasso.common.nats.catalogue import BUCKETS, OBJECT_STORES, STREAMS
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.slow, pytest.mark.nats, pytest.mark.timeout(120)]

REPLICAS = 3
T = TypeVar("T")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster.create(tmp_path, size=REPLICAS)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
async def cluster_js(cluster: NatsCluster) -> AsyncIterator[JetStreamContext]:
    client: Client = await nats.connect(
        cluster.urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2, connect_timeout=1
    )
    yield client.jetstream(timeout=2)
    await client.close()


async def eventually(attempt: Callable[[], Awaitable[T]], *, within: float, what: str) -> T:
    """Retry `attempt` while it raises a NATS error (e.g. during an election), for `within` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await attempt()
        except (NatsError, TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up after {within}s waiting for {what}") from exc
            await asyncio.sleep(0.1)


async def publish_once(js: JetStreamContext, subject: str, body: bytes, msg_id: str) -> PubAck:
    """Publish with ``Nats-Msg-Id``, as the platform does: a retry is never stored twice."""
    return await js.publish(subject, body, headers={"Nats-Msg-Id": msg_id})


def local_stream_state(node: ClusterNode, stream: str) -> dict[str, int]:
    """What `node` has stored of `stream` on its own disk (its replica, leader or not)."""
    data = node.monitor("jsz?accounts=true&streams=true")
    for account in data.get("account_details") or []:
        for detail in account.get("stream_detail") or []:
            if detail["name"] == stream:
                state: dict[str, int] = detail["state"]
                return state
    return {}


async def test_cluster_forms_and_provisioning_gives_every_stream_and_bucket_three_replicas(
    cluster: NatsCluster, cluster_js: JetStreamContext
) -> None:
    for node in cluster.nodes:
        assert node.monitor("jsz")["config"]["sync_always"] is True, node.name

    await provision(cluster_js, replicas=REPLICAS)

    names = [s.name for s in STREAMS] + [f"KV_{b.name}" for b in BUCKETS]
    for name in names + [o.stream for o in OBJECT_STORES]:
        info = await cluster_js.stream_info(name)
        assert info.config.num_replicas == REPLICAS, name
        assert info.cluster is not None
        assert info.cluster.leader in {node.name for node in cluster.nodes}
        followers = info.cluster.replicas or []
        assert len(followers) == REPLICAS - 1, name


async def test_acknowledged_writes_survive_kill_of_the_stream_leader_and_it_catches_up(
    cluster: NatsCluster, cluster_js: JetStreamContext
) -> None:
    js = cluster_js
    await provision(js, replicas=REPLICAS)
    subject = subjects.submission(random_slug("cluster"))
    bodies = {f"before-{i}".encode() for i in range(50)}
    acked: dict[int, bytes] = {}
    for body in sorted(bodies):
        ack = await publish_once(js, subject, body, str(uuid.uuid4()))
        assert ack.stream == "AGENDA"
        acked[ack.seq] = body
    assert len(acked) == len(bodies)

    info = await js.stream_info("AGENDA")
    assert info.cluster is not None
    assert info.cluster.leader is not None
    leader = cluster.node(info.cluster.leader)
    leader.kill()
    assert not leader.running

    after_id = str(uuid.uuid4())
    ack = await eventually(
        lambda: publish_once(js, subject, b"after-kill", after_id),
        within=30,
        what="a write acknowledged by the two remaining nodes",
    )
    acked[ack.seq] = b"after-kill"
    assert len(acked) == len(bodies) + 1, "the retried write was stored twice"

    info = await eventually(lambda: js.stream_info("AGENDA"), within=10, what="stream info")
    assert info.cluster is not None
    assert info.cluster.leader not in (None, leader.name)
    assert info.state.messages == len(acked)
    for seq, body in acked.items():
        message = await js.get_msg("AGENDA", seq)
        assert message.data == body
        assert message.subject == subject

    leader.start()
    last_seq = max(acked)
    await asyncio.to_thread(
        wait_until,
        lambda: local_stream_state(leader, "AGENDA").get("last_seq") == last_seq,
        timeout=30,
        interval=0.2,
        what=f"{leader.name} to catch up to seq {last_seq}",
    )
    assert local_stream_state(leader, "AGENDA")["messages"] == len(acked)
    cluster.wait_formed()


async def test_kv_compare_and_set_keeps_working_with_the_bucket_leader_killed(
    cluster: NatsCluster, cluster_js: JetStreamContext
) -> None:
    js = cluster_js
    await provision(js, replicas=REPLICAS)
    kv = await js.key_value("agenda_events")
    revisions = {f"{random_slug('kv')}.event-{i}": 0 for i in range(20)}
    for key in revisions:
        revisions[key] = await kv.create(key, b"v1")

    info = await js.stream_info("KV_agenda_events")
    assert info.cluster is not None
    assert info.cluster.leader is not None
    leader = cluster.node(info.cluster.leader)
    leader.kill()

    key = next(iter(revisions))
    new_revision = await eventually(
        lambda: kv.update(key, b"v2", last=revisions[key]),
        within=30,
        what="a compare-and-set write acknowledged by the two remaining nodes",
    )
    with pytest.raises(KeyWrongLastSequenceError):
        await kv.update(key, b"stale", last=revisions[key])

    assert (await kv.get(key)).value == b"v2"
    for other, revision in revisions.items():
        entry = await kv.get(other)
        expected = (b"v2", new_revision) if other == key else (b"v1", revision)
        assert (entry.value, entry.revision) == expected
