"""The posters' object store is in the backups: a restored server serves the same files
(issue 14; the object store's stream `OBJ_agenda_images` is saved after the KV buckets)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from tests.support import photos
from tests.support.nats_server import NatsServer
from vieasso.common.backup.archive import backup, restore_all
from vieasso.common.images import ImageStore, variant_names
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats


async def test_object_store_contents_survive_backup_and_restore(tmp_path: Path) -> None:
    source = NatsServer(workdir=tmp_path / "source").start()
    target = NatsServer(workdir=tmp_path / "target").start()
    try:
        nc = await nats.connect(source.url)
        await provision(nc.jetstream(timeout=10), 1)
        store = ImageStore(nc.jetstream(timeout=10), "agenda_images")
        now = datetime(2026, 12, 7, tzinfo=UTC)
        manifests = [
            await store.upload(data, owner="les-amis", now=now)
            for data in (photos.phone_photo(1600, 1200), photos.png(alpha=True), photos.webp())
        ]
        saved = {
            (m.id, name): await store.file(m.id, name)
            for m in manifests
            for name in variant_names()
        }
        await backup(nc, tmp_path / "backup")
        await nc.close()

        restored = await nats.connect(target.url)
        await restore_all(restored, tmp_path / "backup")
        again = ImageStore(restored.jetstream(timeout=10), "agenda_images")
        for manifest in manifests:
            assert await again.manifest(manifest.id) == manifest
        for (image_id, name), data in saved.items():
            assert data is not None
            assert await again.file(image_id, name) == data, (image_id, name)
        await restored.close()
    finally:
        source.stop()
        target.stop()
