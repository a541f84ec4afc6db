"""Who holds an RNA or SIREN number: taken at validation (compare-and-set), given back at
archiving; a pending registration is refused only when a validated association holds it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from vieasso.annuaire.domain.errors import ConflictError
from vieasso.annuaire.domain.identifiers import (
    Identifier,
    Numbered,
    already_held,
    blocks,
    identifiers_of,
)
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState

log = logging.getLogger(__name__)
ATTEMPTS = 5


async def _record(app: Annuaire, slug: str) -> AssociationPublic | None:
    found = await app.associations.get(slug)
    return found.value if found else None


async def check_free(app: Annuaire, numbers: Numbered, slug: str | None = None) -> None:
    """Refuse a pending record (registration, edit) a number another association holds."""
    for identifier in identifiers_of(numbers):
        held = await app.identifiers.holder(identifier.key)
        if held is None or held[0] == slug:
            continue
        holder = await _record(app, held[0])
        if holder is not None and blocks(holder):
            raise already_held(identifier, holder)


async def take(app: Annuaire, record: AssociationPublic) -> list[Identifier]:
    """Hold every number of `record` (being validated) for its slug: the numbers newly taken.

    Raises `NumberHeld` (keeping none) when another association holds one."""
    taken: list[Identifier] = []
    try:
        for identifier in identifiers_of(record):
            if await _take_one(app, identifier, record.slug):
                taken.append(identifier)
    except BaseException:
        await give_back(app, taken, record.slug)
        raise
    return taken


async def _take_one(app: Annuaire, identifier: Identifier, slug: str) -> bool:
    for _ in range(ATTEMPTS):
        held = await app.identifiers.holder(identifier.key)
        if held is None:
            if await app.identifiers.take(identifier.key, slug):
                return True
            continue  # taken meanwhile: read who holds it
        owner, revision = held
        if owner == slug:
            return False
        holder = await _record(app, owner)
        if holder is not None and blocks(holder):
            raise already_held(identifier, holder)
        # Held by an archived (or vanished) record: an archiving interrupted before it gave
        # the number back. Take it over, unless someone else did first.
        if await app.identifiers.take(identifier.key, slug, last=revision):
            return True
    raise ConflictError()


async def give_back(app: Annuaire, identifiers: Iterable[Identifier], slug: str) -> None:
    for identifier in identifiers:
        await app.identifiers.give_back(identifier.key, slug)


async def _take_free(app: Annuaire, identifier: Identifier, slug: str) -> str:
    """Take a number found free; the holder after (`slug`, or who took it meanwhile)."""
    if await app.identifiers.take(identifier.key, slug):
        return slug
    found = await app.identifiers.holder(identifier.key)
    return found[0] if found else slug


async def hold_validated_numbers(app: Annuaire) -> None:
    """At start: validated records whose numbers are not held yet (written before numbers
    were held, or a taking interrupted) take them; two validated associations with the same
    number (validated before this rule) are logged for the city to settle."""
    held = await app.identifiers.holders()
    for item in list(app.index.associations.items.values()):
        record = item.value
        if record.state is not AssociationState.VALIDATED:
            continue
        for identifier in identifiers_of(record):
            holder = held.get(identifier.key)
            if holder is None:
                holder = await _take_free(app, identifier, record.slug)
                held[identifier.key] = holder
            if holder != record.slug:
                log.warning(
                    "number held by another association",
                    extra={"association": record.slug, "number": identifier.label},
                )
