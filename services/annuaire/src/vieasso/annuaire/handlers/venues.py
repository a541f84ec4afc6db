"""Use cases on venues (admin) and the reference data seeded at start."""

from __future__ import annotations

from collections.abc import Iterable

from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import BaseModel

from vieasso.annuaire.domain.commands import VenueFields
from vieasso.annuaire.domain.errors import InvalidInput, InvalidState, NotFound, field_error
from vieasso.annuaire.handlers.facts import venue_fact
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.reference.models import Quartier, Theme

VENUE_NOT_FOUND = "Lieu introuvable."


def _check(app: Annuaire, venue_id: str, fields: VenueFields) -> None:
    errors = []
    if fields.quartier is not None and fields.quartier not in app.index.known.quartiers:
        errors.append(
            field_error(
                "quartier", f"Quartier inconnu : « {fields.quartier} ».", "unknown_quartier"
            )
        )
    if fields.parent_id is not None and (
        fields.parent_id == venue_id or fields.parent_id not in app.index.venues.items
    ):
        errors.append(field_error("parent_id", "Lieu parent inconnu.", "unknown_venue"))
    if errors:
        raise InvalidInput(errors)


async def upsert_venue(app: Annuaire, venue_id: str, fields: VenueFields) -> VenuePublic:
    """Create or replace a venue; a venue that did not change publishes nothing."""
    _check(app, venue_id, fields)
    venue = VenuePublic(id=venue_id, **dict(fields))
    return await save_venue(app, venue)


async def save_venue(app: Annuaire, venue: VenuePublic) -> VenuePublic:
    current = await app.venues.get(venue.id)
    if current is not None and current.value == venue:
        return venue
    if current is None:
        revision = await app.venues.create(venue.id, venue)
    else:
        revision = await app.venues.update(venue.id, venue, last=current.revision)
    await venue_fact(app.publish, venue, revision, app.clock.now())
    return venue


async def archive_venue(app: Annuaire, venue_id: str) -> VenuePublic:
    current = await app.venues.get(venue_id)
    if current is None:
        raise NotFound(VENUE_NOT_FOUND)
    if current.value.archived:
        raise InvalidState("Ce lieu est déjà archivé.")
    return await save_venue(app, current.value.model_copy(update={"archived": True}))


async def seed_reference(
    kv: KeyValue, themes: Iterable[Theme], quartiers: Iterable[Quartier]
) -> int:
    """Write the themes and quartiers that differ from the bucket; returns how many."""
    items: list[tuple[str, BaseModel]] = [(f"theme.{t.code}", t) for t in themes]
    items += [(f"quartier.{q.code}", q) for q in quartiers]
    written = 0
    for key, value in items:
        data = value.model_dump_json().encode()
        try:
            entry = await kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            entry = None
        if entry is not None and entry.value == data:
            continue
        try:
            if entry is None:
                await kv.create(key, data)
            else:
                await kv.update(key, data, last=entry.revision)
        except KeyWrongLastSequenceError:
            continue  # another instance seeded it at the same time
        written += 1
    return written
