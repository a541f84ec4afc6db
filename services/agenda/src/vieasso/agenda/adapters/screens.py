"""The `agenda_screens` KV bucket: screens (`screen.<id>`) and announcements (`annonce.<id>`).

The agenda keeps a watched copy (a few hundred records at most), so pages and screen data
are answered from memory; every write names the revision it replaces (compare-and-set), so
two people editing the same screen, or deciding the same announcement, never overwrite each
other silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import TypeVar

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, ValidationError

from vieasso.agenda.adapters.store import ConcurrentWrite
from vieasso.agenda.domain.screens import Announcement, Screen
from vieasso.common.nats.kv import BucketWatch

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

BUCKET = "agenda_screens"
SCREEN = "screen."
ANNOUNCEMENT = "annonce."


class ScreenStore:
    """The watched copy of `agenda_screens`, and its compare-and-set writes."""

    def __init__(self) -> None:
        self.screens: dict[str, tuple[Screen, int]] = {}
        self.announcements: dict[str, tuple[Announcement, int]] = {}
        self.version = 0  # raised on every change: the screen data's cache key
        self._kv: KeyValue | None = None
        self._watch = BucketWatch(BUCKET, self._apply)

    async def start(self, js: JetStreamContext) -> None:
        self._kv = await js.key_value(BUCKET)
        await self._watch.start(js)

    async def stop(self) -> None:
        await self._watch.stop()

    def _apply(self, entry: KeyValue.Entry) -> None:
        key, revision = entry.key, entry.revision or 0
        self.version += 1
        deleted = entry.operation in (KV_DEL, KV_PURGE) or not entry.value
        try:
            if key.startswith(SCREEN):
                _put(
                    self.screens, key[len(SCREEN) :], Screen, entry.value, revision, deleted=deleted
                )
            elif key.startswith(ANNOUNCEMENT):
                name = key[len(ANNOUNCEMENT) :]
                _put(self.announcements, name, Announcement, entry.value, revision, deleted=deleted)
        except ValidationError:
            log.warning("unreadable screen record skipped", extra={"key": key})

    def screen(self, screen_id: str) -> Screen | None:
        found = self.screens.get(screen_id)
        return found[0] if found is not None else None

    def all_screens(self) -> list[Screen]:
        return sorted((s for s, _ in self.screens.values()), key=lambda s: s.name.casefold())

    def announcement(self, announcement_id: str) -> tuple[Announcement, int] | None:
        return self.announcements.get(announcement_id)

    def all_announcements(self) -> Iterator[Announcement]:
        return (a for a, _ in self.announcements.values())

    def shown_on(self, screen_id: str, today: date) -> list[Announcement]:
        """Approved announcements of the screen for `today`, oldest request first."""
        found = [a for a in self.all_announcements() if a.shown_on(screen_id, today)]
        return sorted(found, key=lambda a: a.requested_at)

    async def save_screen(self, screen: Screen, revision: int | None) -> int:
        return await self._write(f"{SCREEN}{screen.id}", screen, revision)

    async def save_announcement(self, announcement: Announcement, revision: int | None) -> int:
        return await self._write(f"{ANNOUNCEMENT}{announcement.id}", announcement, revision)

    async def delete_screen(self, screen_id: str, revision: int) -> None:
        kv = self._bucket()
        try:
            await kv.delete(f"{SCREEN}{screen_id}", last=revision)
        except KeyWrongLastSequenceError as exc:
            raise ConcurrentWrite(screen_id) from exc
        self.screens.pop(screen_id, None)  # at once: the list the city sees next lacks it
        self.version += 1

    async def _write(self, key: str, record: BaseModel, revision: int | None) -> int:
        """Create (`revision` None) or replace the record held at `revision`; the copy is
        updated at once (the watch confirms it later)."""
        kv = self._bucket()
        value = record.model_dump_json().encode()
        try:
            if revision is None:
                written = await kv.create(key, value)
            else:
                written = await kv.update(key, value, last=revision)
        except KeyWrongLastSequenceError as exc:
            raise ConcurrentWrite(key) from exc
        self._apply_written(key, value, written)
        return written

    def _apply_written(self, key: str, value: bytes, revision: int) -> None:
        entry = KeyValue.Entry(
            bucket=BUCKET, key=key, value=value, revision=revision, delta=None,
            created=None, operation=None,
        )  # fmt: skip
        self._apply(entry)

    def _bucket(self) -> KeyValue:
        if self._kv is None:
            raise RuntimeError("screen store used before start")
        return self._kv


def _put(
    into: dict[str, tuple[M, int]],
    name: str,
    model: type[M],
    value: bytes | None,
    revision: int,
    *,
    deleted: bool,
) -> None:
    """Apply one entry to the copy, unless the copy already holds a later revision."""
    held = into.get(name)
    if held is not None and held[1] >= revision:
        return
    if deleted:
        into.pop(name, None)
    else:
        into[name] = (model.model_validate_json(value or b""), revision)
