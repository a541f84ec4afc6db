"""Use cases on associations: register, edit, validate (issues the token), archive."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from vieasso.annuaire.domain import associations as domain
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.checks import check_association
from vieasso.annuaire.domain.commands import AssociationFields, ChangeAssociation, PrivateContact
from vieasso.annuaire.domain.errors import AlreadyExists, ConflictError, NotFound
from vieasso.annuaire.domain.rules import make_slug, slug_candidates
from vieasso.annuaire.handlers.facts import association_fact
from vieasso.annuaire.handlers.missions import close_missions_of
from vieasso.annuaire.handlers.unit import Annuaire, revalidate
from vieasso.common.messages.annuaire import AssociationState

NOT_FOUND = "Association introuvable."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_rna_free(app: Annuaire, rna_id: str | None, slug: str | None = None) -> None:
    owner = app.index.by_rna.get(rna_id) if rna_id else None
    if owner is not None and owner != slug:
        raise AlreadyExists(f"Une association portant ce numéro RNA est déjà inscrite ({owner}).")


async def _save(app: Annuaire, record: AssociationRecord, last: int) -> AssociationRecord:
    revision = await app.associations.update(record.slug, record, last=last)
    await association_fact(app.publish, record, revision)
    return record


async def register_association(
    app: Annuaire,
    fields: AssociationFields,
    contact: PrivateContact | None,
    *,
    state: AssociationState = AssociationState.PENDING,
) -> AssociationRecord:
    """A new record under a free slug derived from the name (`-2`, `-3`… on collisions)."""
    check_association(fields, app.index.known, app.today())
    _check_rna_free(app, fields.rna_id)
    now = app.clock.now()
    for slug in slug_candidates(make_slug(fields.name)):
        if app.index.association(slug) is not None:
            continue
        record = domain.register(slug, fields, contact, now, state=state)
        try:
            revision = await app.associations.create(slug, record)
        except AlreadyExists:
            continue  # created meanwhile by someone else: try the next slug
        await association_fact(app.publish, record, revision)
        return record
    raise AlreadyExists("Trop d'associations portent déjà ce nom : précisez-le.")


async def change_association(
    app: Annuaire, slug: str, change: ChangeAssociation, *, expected_revision: int | None = None
) -> AssociationRecord:
    """A partial edit, compare-and-set on the revision read (or the one the client saw)."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    if expected_revision is not None and expected_revision != current.revision:
        raise ConflictError()
    fields = revalidate(AssociationFields, domain.merged_fields(current.value, change))
    check_association(fields, app.index.known, app.today())
    _check_rna_free(app, fields.rna_id, slug)
    record = domain.apply_change(current.value, fields, change.contact, app.clock.now())
    if domain.same_content(record, current.value):
        return current.value
    return await _save(app, record, current.revision)


@dataclass(frozen=True)
class Validated:
    association: AssociationRecord
    token: str
    """The association's bearer token: shown once, only its hash is stored."""


async def validate_association(app: Annuaire, slug: str) -> Validated:
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    token = secrets.token_urlsafe(32)
    record = domain.validate(current.value, hash_token(token), app.clock.now())
    return Validated(await _save(app, record, current.revision), token)


async def issue_token(app: Annuaire, slug: str, token: str | None = None) -> Validated:
    """A new token (random, or the demo's chosen `token`) for a validated association; the
    previous one stops working. No fact: nothing public changed."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    token = token or secrets.token_urlsafe(32)
    record = domain.with_new_token(current.value, hash_token(token))
    await app.associations.update(slug, record, last=current.revision)
    return Validated(record, token)


async def archive_association(app: Annuaire, slug: str) -> AssociationRecord:
    """Archive the record (its token stops working) and close its missions."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    record = await _save(app, domain.archive(current.value, app.clock.now()), current.revision)
    await close_missions_of(app, slug)
    return record
