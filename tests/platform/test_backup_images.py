"""The object stores of images are in the backups: a restored server serves the same files
(issue 14: the posters, `OBJ_agenda_images`; issue 15: the catalogue's photos,
`OBJ_ressources_images`; saved after the KV buckets)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from tests.support import photos
from tests.support.nats_server import NatsServer
from vieasso.common.backup.archive import backup, restore_all
from vieasso.common.images import ImageStore, variant_names
from vieasso.common.messages.images import ImageManifest
from vieasso.common.nats.catalogue import OBJECT_STORES
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats


async def test_object_store_contents_survive_backup_and_restore(tmp_path: Path) -> None:
    source = NatsServer(workdir=tmp_path / "source").start()
    target = NatsServer(workdir=tmp_path / "target").start()
    try:
        nc = await nats.connect(source.url)
        await provision(nc.jetstream(timeout=10), 1)
        now = datetime(2026, 12, 7, tzinfo=UTC)
        files = (photos.phone_photo(1600, 1200), photos.png(alpha=True), photos.webp())
        manifests: list[tuple[str, ImageManifest]] = []
        saved: dict[tuple[str, str, str], bytes | None] = {}
        assert {o.name for o in OBJECT_STORES} >= {"agenda_images", "ressources_images"}
        for spec in OBJECT_STORES:
            store = ImageStore(nc.jetstream(timeout=10), spec.name)
            for data in files:
                manifest = await store.upload(data, owner="les-amis", now=now)
                manifests.append((spec.name, manifest))
                for name in variant_names():
                    saved[spec.name, manifest.id, name] = await store.file(manifest.id, name)
        await backup(nc, tmp_path / "backup")
        await nc.close()

        restored = await nats.connect(target.url)
        await restore_all(restored, tmp_path / "backup")
        js = restored.jetstream(timeout=10)
        again = {spec.name: ImageStore(js, spec.name) for spec in OBJECT_STORES}
        for bucket, manifest in manifests:
            assert await again[bucket].manifest(manifest.id) == manifest
        for (bucket, image_id, name), kept in saved.items():
            assert kept is not None
            assert await again[bucket].file(image_id, name) == kept, (bucket, image_id, name)
        await restored.close()
    finally:
        source.stop()
        target.stop()
