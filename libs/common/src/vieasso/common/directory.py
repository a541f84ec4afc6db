"""Read-only view of the directory's KV buckets (the platform's common reference data).

The annuaire owns and writes these buckets; the agenda and the newsletter watch them.
Public contract (values are JSON; readers ignore fields they do not know, so the annuaire
can store private fields such as the contact or the token hash beside the public ones):

| bucket                  | key                                | value                   |
|-------------------------|------------------------------------|-------------------------|
| `annuaire_associations` | `<slug>`                           | `AssociationPublic` (1) |
| `annuaire_venues`       | `<venue_id>`                       | `VenuePublic`           |
| `annuaire_missions`     | `<mission_id>`                     | `MissionPublic` (1)     |
| `annuaire_reference`    | `theme.<code>` / `quartier.<code>` | `Theme` / `Quartier`    |

(1) plus private fields, which readers ignore.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, ValidationError

from vieasso.common.messages.annuaire import AssociationPublic, MissionPublic, VenuePublic
from vieasso.common.nats.kv import BucketWatch
from vieasso.common.reference.models import Quartier, Theme

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

ASSOCIATIONS = "annuaire_associations"
VENUES = "annuaire_venues"
MISSIONS = "annuaire_missions"
REFERENCE = "annuaire_reference"


class _BucketMirror:
    """Keeps `items` equal to a bucket's latest values, parsed by `parse`."""

    def __init__(self, bucket: str, parse: Callable[[str, bytes], tuple[str, Any] | None]) -> None:
        self.bucket = bucket
        self.parse = parse
        self.items: dict[str, Any] = {}
        self._watch = BucketWatch(bucket, self._apply)

    async def start(self, js: JetStreamContext) -> None:
        await self._watch.start(js)

    def _apply(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE):
            self.items.pop(entry.key, None)
            return
        try:
            parsed = self.parse(entry.key, entry.value or b"")
        except ValidationError:
            log.exception("unreadable value in %s key %s", self.bucket, entry.key)
            return
        if parsed is not None:
            self.items[parsed[0]] = parsed[1]

    async def stop(self) -> None:
        await self._watch.stop()


def _model(model: type[M]) -> Callable[[str, bytes], tuple[str, M]]:
    def parse(key: str, value: bytes) -> tuple[str, M]:
        return key, model.model_validate_json(value)

    return parse


def _reference(key: str, value: bytes) -> tuple[str, Theme | Quartier] | None:
    if key.startswith("theme."):
        return key, Theme.model_validate_json(value)
    if key.startswith("quartier."):
        return key, Quartier.model_validate_json(value)
    return None


class DirectoryView:
    """In-memory, always-current copy of the directory, for the agenda and the newsletter."""

    def __init__(self) -> None:
        self._associations = _BucketMirror(ASSOCIATIONS, _model(AssociationPublic))
        self._venues = _BucketMirror(VENUES, _model(VenuePublic))
        self._missions = _BucketMirror(MISSIONS, _model(MissionPublic))
        self._reference = _BucketMirror(REFERENCE, _reference)
        self._mirrors = (self._associations, self._venues, self._missions, self._reference)

    async def start(self, js: JetStreamContext) -> None:
        """Load every bucket, then keep following changes in the background."""
        for mirror in self._mirrors:
            await mirror.start(js)

    async def stop(self) -> None:
        for mirror in self._mirrors:
            await mirror.stop()

    def association(self, slug: str) -> AssociationPublic | None:
        found: AssociationPublic | None = self._associations.items.get(slug)
        return found

    def venue(self, venue_id: str) -> VenuePublic | None:
        found: VenuePublic | None = self._venues.items.get(venue_id)
        return found

    def mission(self, mission_id: str) -> MissionPublic | None:
        found: MissionPublic | None = self._missions.items.get(mission_id)
        return found

    def theme(self, code: str) -> Theme | None:
        found: Theme | None = self._reference.items.get(f"theme.{code}")
        return found

    def quartier(self, code: str) -> Quartier | None:
        found: Quartier | None = self._reference.items.get(f"quartier.{code}")
        return found

    def associations(self) -> list[AssociationPublic]:
        return list(self._associations.items.values())

    def venues(self) -> list[VenuePublic]:
        return list(self._venues.items.values())

    def themes(self) -> list[Theme]:
        return [v for k, v in self._reference.items.items() if k.startswith("theme.")]

    def quartiers(self) -> list[Quartier]:
        return [v for k, v in self._reference.items.items() if k.startswith("quartier.")]
