"""Use cases of the catalogue (the city's team): add, change, archive and restore equipment
models and rooms, and keep the city's closed days.

Write order: the compare-and-set on ``ressources_catalogue`` first (the entry is saved), then
the fact, whose message id is `uuid5(bucket/key/revision/change)`: publishing the same
revision again (a retried request, the start-up catch-up) is dropped by JetStream inside its
duplicate window. An entry that did not change is not written and announces nothing, so
loading the demo twice changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.images.pictures import ImageUploads, NoImages
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import ImageManifest
from vieasso.common.messages.ressources import (
    CatalogueArchived,
    CatalogueUpserted,
    ResourceKind,
)
from vieasso.common.nats.publish import Publish
from vieasso.common.subjects import CatalogueChange
from vieasso.common.validation import french_errors
from vieasso.ressources.adapters.catalogue import BUCKET, CLOSED_DAYS, CatalogueStore
from vieasso.ressources.domain.calendar import Calendar, CityClosures, ClosedDay, local_day
from vieasso.ressources.domain.catalogue import EntryState, EquipmentModel, Room, entry_key
from vieasso.ressources.domain.catalogue_errors import (
    EntryConflict,
    EntryNotFound,
    InvalidEntry,
    field_error,
)
from vieasso.ressources.domain.errors import StockBelowHeld
from vieasso.ressources.domain.photos import OWNER, alt_errors, photo_for

NAMESPACE = uuid.UUID("3b8f5a0e-7c1d-4e29-b6a4-5d0c9e1f2a73")
SERVER_SET = frozenset({"id", "kind", "updated_at", "photo"})
NOT_FOUND = {
    ResourceKind.EQUIPMENT: "Ce matériel n'existe pas.",
    ResourceKind.ROOM: "Cette salle n'existe pas.",
}
TAKEN = {ResourceKind.EQUIPMENT: "Un matériel", ResourceKind.ROOM: "Une salle"}
Entry = EquipmentModel | Room
# the stock written on the entry's availability record (`adapters.stock_fence`)
Restock = Callable[[ResourceKind, str, int, str, date], Awaitable[None]]


async def _no_fence(kind: ResourceKind, entry_id: str, stock: int, name: str, day: date) -> None:
    return None


@dataclass
class Catalogue:
    """What the catalogue's use cases work with (built once NATS is connected)."""

    store: CatalogueStore
    directory: DirectoryView
    publish: Publish
    clock: Clock
    unannounced: dict[str, int] = field(default_factory=dict)  # key → revision
    # the city's stock written on the entry's availability record, by compare-and-set
    restock: Restock = _no_fence
    # the photos' manifests (`ressources_images`) and where their files are served
    images: ImageUploads = field(default_factory=NoImages)
    images_url: str = ""

    def calendar(self) -> Calendar:
        return self.store.calendar()


@dataclass(frozen=True)
class Saved:
    entry: Entry
    changed: bool


async def save_entry(
    cat: Catalogue,
    kind: ResourceKind,
    entry_id: str,
    data: Mapping[str, Any],
    *,
    new: bool = False,
    revision: int | None = None,
) -> Saved:
    """Create or replace the model or room `entry_id` with `data` (the record's fields; the
    state stays as it is unless given). Raises `InvalidEntry` with per-field French errors;
    `new`: only if no entry has this id; `revision`: only if the entry is still at it
    (`EntryConflict` otherwise: a form shown before someone else's change)."""
    current = cat.store.get(kind, entry_id)
    if new and current is not None:
        message = f"{TAKEN[kind]} existe déjà sous cet identifiant : choisissez-en un autre."
        raise InvalidEntry([field_error("id", message, "already_exists")])
    if revision is not None and (current is None or current.revision != revision):
        raise EntryConflict()
    values = {k: v for k, v in data.items() if k not in SERVER_SET}
    values.setdefault("state", current.value.state if current else EntryState.ACTIVE)
    values |= {"id": entry_id, "kind": kind.value, "updated_at": cat.clock.now()}
    model = EquipmentModel if kind is ResourceKind.EQUIPMENT else Room
    try:
        entry = model.model_validate(values)
    except ValidationError as exc:
        errors = french_errors(exc)
        if not any(e.field == "image_alt" for e in errors):
            errors += alt_errors(values.get("image_id"), values.get("image_alt"))
        raise InvalidEntry(errors) from exc
    _check(cat, entry)
    entry = await _with_photo(cat, entry, current.value if current else None)
    before = current.value.stock if current else None
    if isinstance(entry, EquipmentModel) and (before is None or entry.stock < before):
        await _restock(cat, entry)  # before saving: from now on no approval goes beyond it
    key = entry_key(kind, entry_id)
    if current is not None and current.value == entry.model_copy(
        update={"updated_at": current.value.updated_at}
    ):
        if cat.unannounced.get(key) == current.revision:
            await _announce(cat, current.value, current.revision)
        return Saved(current.value, changed=False)
    revision = await cat.store.write(key, entry, last=current.revision if current else None)
    if isinstance(entry, EquipmentModel) and before is not None and entry.stock > before:
        await _restock(cat, entry)  # after saving: until then approvals keep to the lower
    await _announce(cat, entry, revision)
    return Saved(entry, changed=True)


async def upload_photo(cat: Catalogue, data: bytes) -> ImageManifest:
    """Check and store a photo the city sends (`ImageRejected`, in French, when it is not an
    image we take); then a model or a room names it by its id."""
    return await cat.images.upload(data, owner=OWNER, now=cat.clock.now())


async def _with_photo(cat: Catalogue, entry: Entry, current: Entry | None) -> Entry:
    """`entry` with the photo its `image_id` names (read from the object store when new)."""
    kept = current.photo if current is not None else None
    new = entry.image_id is not None and (kept is None or kept.id != entry.image_id)
    manifest = await cat.images.manifest(entry.image_id) if new and entry.image_id else None
    photo = photo_for(entry, kept, manifest, cat.images_url)
    if isinstance(photo, FieldError):
        raise InvalidEntry([photo])
    return entry.model_copy(update={"photo": photo})


def _check(cat: Catalogue, entry: Entry) -> None:
    """Rules across records: one id per entry whatever its kind (it names the subjects and
    the availability record), a photo the pages may show (https), and a room on a venue the
    directory knows and still lists."""
    errors = alt_errors(entry.image_id, entry.image_alt)
    other = ResourceKind.ROOM if entry.kind is ResourceKind.EQUIPMENT else ResourceKind.EQUIPMENT
    if cat.store.get(other, entry.id) is not None:
        message = f"{TAKEN[other]} existe déjà sous cet identifiant : choisissez-en un autre."
        errors.append(field_error("id", message, "already_exists"))
    photo = entry.photo_url if isinstance(entry, EquipmentModel) else None
    if photo is not None and not photo.startswith(("https://", "/")):
        message = "L'adresse de la photo doit commencer par https:// (ou / sur ce site)."
        errors.append(field_error("photo_url", message, "photo_url"))
    if isinstance(entry, Room) and entry.active:
        venue = cat.directory.venue(entry.venue_id)
        if venue is None:
            message = f"Lieu inconnu de l'annuaire : « {entry.venue_id} »."
            errors.append(field_error("venue_id", message, "unknown_venue"))
        elif venue.archived:
            message = (
                f"Le lieu « {venue.name} » est archivé dans l'annuaire : choisissez-en un autre."
            )
            errors.append(field_error("venue_id", message, "archived_venue"))
    if errors:
        raise InvalidEntry(errors)


async def _restock(cat: Catalogue, entry: EquipmentModel) -> None:
    """Never fewer units than already approved for a day to come: checked and written on the
    availability record by the compare-and-set the approvals use."""
    try:
        await cat.restock(entry.kind, entry.id, entry.stock, entry.name, local_day(cat.clock.now()))
    except StockBelowHeld as refused:
        raise InvalidEntry([field_error("stock", refused.message, "below_approved")]) from None


async def set_state(cat: Catalogue, kind: ResourceKind, entry_id: str, state: EntryState) -> Saved:
    """Archive (no longer lent; approved loans are kept) or restore an entry."""
    current = cat.store.get(kind, entry_id)
    if current is None:
        raise EntryNotFound(NOT_FOUND[kind])
    data = current.value.model_dump(exclude=set(SERVER_SET)) | {"state": state}
    return await save_entry(cat, kind, entry_id, data)


def fact_id(key: str, revision: int, change: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{BUCKET}/{key}/{revision}/{change}")


async def _announce(cat: Catalogue, entry: Entry, revision: int) -> None:
    """The entry's fact; remembered as owed until JetStream acknowledges it."""
    key = entry_key(entry.kind, entry.id)
    cat.unannounced[key] = revision
    change = CatalogueChange.UPSERTED if entry.active else CatalogueChange.ARCHIVED
    fact_type = CatalogueUpserted if entry.active else CatalogueArchived
    fact = fact_type(
        message_id=fact_id(key, revision, change),
        occurred_at=entry.updated_at,
        entry=entry.public(),
    )
    await cat.publish(subjects.catalogue_entry(entry.id, change), fact)
    if cat.unannounced.get(key) == revision:
        del cat.unannounced[key]


async def announce_recent(cat: Catalogue, window: timedelta) -> int:
    """At start: the facts of the entries changed within `window` again (same ids), in
    case the process stopped between a write and its fact. Returns how many."""
    since = cat.clock.now() - window
    recent = [e for e in cat.store.entries() if e.updated_at >= since]
    for entry in recent:
        found = cat.store.get(entry.kind, entry.id)
        if found is not None:
            await _announce(cat, found.value, found.revision)
    return len(recent)


async def set_closures(
    cat: Catalogue, days: Sequence[Mapping[str, Any] | ClosedDay]
) -> CityClosures:
    """Replace the city's own closed days (a bridge day, a move…)."""
    try:
        closures = CityClosures.model_validate(
            {"days": sorted(days, key=_day_of), "updated_at": cat.clock.now()}
        )
    except ValidationError as exc:
        raise InvalidEntry(french_errors(exc)) from exc
    current = cat.store.closures()
    if current is not None and current.value.days == closures.days:
        return current.value
    await cat.store.write(CLOSED_DAYS, closures, last=current.revision if current else None)
    return closures


def _day_of(item: Mapping[str, Any] | ClosedDay) -> str:
    return str(item.day if isinstance(item, ClosedDay) else item.get("day", ""))
