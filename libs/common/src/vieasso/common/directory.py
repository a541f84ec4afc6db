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

(1) plus private fields, which readers ignore — except `private_contact` (`{name, email,
phone}`, the person who manages the record), which only the newsletter reads, through
`ContactDirectory`, to send the mails other services ask for (SPEC §8): no other service
ever handles an association's address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, ConfigDict, ValidationError

from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationState,
    MissionPublic,
    VenuePublic,
)
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


class PrivateContactView(BaseModel):
    """The private contact as the annuaire stores it (read by the newsletter only)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    email: str


class AssociationContact(BaseModel):
    """What the newsletter needs to write to an association: who, how to greet it, and
    what it is interested in (for the associations' letter). Never published anywhere."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    slug: str
    name: str
    state: AssociationState
    themes: tuple[str, ...] = ()
    quartier: str | None = None
    employs_staff: bool | None = None
    validated_at: datetime | None = None
    private_contact: PrivateContactView | None = None

    @property
    def email(self) -> str | None:
        return self.private_contact.email if self.private_contact else None


class ContactDirectory:
    """In-memory, always-current map slug → `AssociationContact`, from the directory's
    associations bucket. The newsletter's only source of association addresses."""

    def __init__(self) -> None:
        self._mirror = _BucketMirror(ASSOCIATIONS, _model(AssociationContact))

    async def start(self, js: JetStreamContext) -> None:
        """Load the bucket, then keep following changes in the background."""
        await self._mirror.start(js)

    async def stop(self) -> None:
        await self._mirror.stop()

    def get(self, slug: str) -> AssociationContact | None:
        found: AssociationContact | None = self._mirror.items.get(slug)
        return found

    def all(self) -> list[AssociationContact]:
        return list(self._mirror.items.values())
