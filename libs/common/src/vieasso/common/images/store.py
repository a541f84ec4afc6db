"""Images in a JetStream object store (NATS stays the only store): `<id>/<variant>` for the
files, `<id>/manifest.json` written last, so an image exists once its manifest does.

Ids are content-addressed, so what is stored under a name never changes: manifests and
small variants are kept in memory once read (bounded), and an upload already stored is not
written again. nats-py's `get` reads the chunks through an ordered consumer that waits for
ever when a chunk is missing: every read is bounded by `timeout`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import datetime
from typing import Final

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import ObjectMeta
from nats.js.errors import Error as JetStreamError
from nats.js.errors import ObjectNotFoundError
from nats.js.object_store import ObjectStore
from pydantic import ValidationError

from vieasso.common.images.checks import sniff
from vieasso.common.images.variants import PreparedImage, image_id, prepare
from vieasso.common.messages.images import ImageManifest

log = logging.getLogger(__name__)

MANIFEST: Final = "manifest.json"
CACHE_BYTES: Final = 64 * 1024 * 1024
CACHED_AT_MOST: Final = 2 * 1024 * 1024  # originals up to 10 MB are read each time


class ImageStoreError(RuntimeError):
    """The object store did not answer, or holds something unreadable."""


class ImageStore:
    def __init__(self, js: JetStreamContext, bucket: str, *, timeout: float = 10.0) -> None:
        self._js = js
        self._bucket = bucket
        self._timeout = timeout
        self._manifests: dict[str, ImageManifest] = {}
        self._files: OrderedDict[str, bytes] = OrderedDict()
        self._cached = 0
        self._store: ObjectStore | None = None
        # one image prepared at a time: each may hold ~100 MB while it is decoded
        self._preparing = asyncio.Semaphore(1)

    async def manifest(self, image_id: str) -> ImageManifest | None:
        """The image's manifest; None when no complete image has this id."""
        if (found := self._manifests.get(image_id)) is not None:
            return found
        raw = await self._get(f"{image_id}/{MANIFEST}")
        if raw is None:
            return None
        try:
            manifest = ImageManifest.model_validate_json(raw)
        except ValidationError as exc:
            raise ImageStoreError(f"unreadable manifest of image {image_id}") from exc
        self._manifests[image_id] = manifest
        return manifest

    async def file(self, image_id: str, name: str) -> bytes | None:
        """The bytes of variant `name` of a stored image (None when there is none)."""
        key = f"{image_id}/{name}"
        if (found := self._files.get(key)) is not None:
            self._files.move_to_end(key)
            return found
        manifest = await self.manifest(image_id)
        if manifest is None or manifest.variant(name) is None:
            return None
        data = await self._get(key)
        if data is None:
            raise ImageStoreError(f"image {image_id} lacks its {name}")
        if len(data) <= CACHED_AT_MOST:
            self._remember(key, data)
        return data

    async def upload(self, data: bytes, *, owner: str, now: datetime) -> ImageManifest:
        """Check and store `data` for `owner` (`ImageRejected`, in French, when it is not an
        image we take); the same file sent again by the same owner is not processed again."""
        sniff(data)
        known = await self.manifest(image_id(owner, data))
        if known is not None:
            return known
        async with self._preparing:
            prepared = await asyncio.to_thread(prepare, data, owner=owner, now=now)
        return await self.save(prepared)

    async def save(self, prepared: PreparedImage) -> ImageManifest:
        """Store every file, then the manifest; an image already stored is left as it is."""
        manifest = prepared.manifest
        if (existing := await self.manifest(manifest.id)) is not None:
            return existing
        for name, data in prepared.files.items():
            await self._put(f"{manifest.id}/{name}", data)
        await self._put(f"{manifest.id}/{MANIFEST}", manifest.model_dump_json().encode())
        self._manifests[manifest.id] = manifest
        return manifest

    def _remember(self, key: str, data: bytes) -> None:
        self._files[key] = data
        self._cached += len(data)
        while self._cached > CACHE_BYTES:
            _, dropped = self._files.popitem(last=False)
            self._cached -= len(dropped)

    async def _object_store(self) -> ObjectStore:
        if self._store is None:
            self._store = await self._js.object_store(self._bucket)
        return self._store

    async def _get(self, name: str) -> bytes | None:
        try:
            store = await self._object_store()
            result = await asyncio.wait_for(store.get(name), self._timeout)
        except ObjectNotFoundError:
            return None
        except (TimeoutError, NatsTimeout, NatsError, JetStreamError) as exc:
            raise ImageStoreError(f"reading {name}: {exc!r}") from exc
        return bytes(result.data or b"")

    async def _put(self, name: str, data: bytes) -> None:
        try:
            store = await self._object_store()
            await asyncio.wait_for(store.put(name, data, meta=ObjectMeta(name=name)), self._timeout)
        except (TimeoutError, NatsTimeout, NatsError, JetStreamError) as exc:
            raise ImageStoreError(f"writing {name}: {exc!r}") from exc
        log.debug("image file stored", extra={"object": name, "bytes": len(data)})
