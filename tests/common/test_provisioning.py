"""Provisioning against a real nats-server: every stream and bucket, idempotent."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType

from vieasso.common.nats.catalogue import BUCKETS, OBJECT_STORES, STREAMS
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats


async def test_provision_creates_every_stream_bucket_and_object_store_on_file_storage(
    js: JetStreamContext,
) -> None:
    await provision(js, replicas=1)

    for spec in STREAMS:
        info = await js.stream_info(spec.name)
        assert info.config.subjects == list(spec.subjects)
        assert info.config.storage == StorageType.FILE
        expected = RetentionPolicy.WORK_QUEUE if spec.work_queue else RetentionPolicy.LIMITS
        assert info.config.retention == expected
    for bucket in BUCKETS:
        kv = await js.key_value(bucket.name)
        status = await kv.status()
        assert status.bucket == bucket.name
    for store in OBJECT_STORES:
        stored = await (await js.object_store(store.name)).status()
        assert (stored.bucket, stored.storage_type) == (store.name, StorageType.FILE)
        assert stored.stream_info.config.max_bytes == store.max_bytes


async def test_provisioning_twice_keeps_existing_data(js: JetStreamContext) -> None:
    await provision(js, replicas=1)
    kv = await js.key_value("annuaire_reference")
    revision = await kv.put("theme.test-provisioning", b"kept")

    await provision(js, replicas=1)

    entry = await kv.get("theme.test-provisioning")
    assert entry.value == b"kept"
    assert entry.revision == revision


async def test_provisioning_applies_a_changed_history_to_an_existing_bucket(
    js: JetStreamContext,
) -> None:
    await provision(js, replicas=1)
    info = await js.stream_info("KV_agenda_events")
    await js.update_stream(info.config.evolve(max_msgs_per_subject=5))

    await provision(js, replicas=1)

    info = await js.stream_info("KV_agenda_events")
    assert info.config.max_msgs_per_subject == 1
