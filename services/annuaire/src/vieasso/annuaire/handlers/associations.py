"""Use cases on associations: register, edit, validate (issues the token, mails the welcome),
refuse, archive; tokens issued or revoked (each mailed to the association, handlers/mails.py).

Only a validated association holds its RNA and SIREN numbers (handlers/identifiers.py):
validating takes them, archiving gives them back, an edit of a validated record moves them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from vieasso.annuaire.domain import associations as domain
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.checks import check_association
from vieasso.annuaire.domain.commands import AssociationFields, ChangeAssociation, PrivateContact
from vieasso.annuaire.domain.errors import AlreadyExists, ConflictError, InvalidState, NotFound
from vieasso.annuaire.domain.identifiers import Identifier, identifiers_of
from vieasso.annuaire.domain.rules import make_slug, slug_candidates
from vieasso.annuaire.handlers import identifiers, mails
from vieasso.annuaire.handlers.facts import association_fact
from vieasso.annuaire.handlers.missions import close_missions_of
from vieasso.annuaire.handlers.unit import Annuaire, revalidate
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import InscriptionRefuseeParams

NOT_FOUND = "Association introuvable."
By = Literal["ville", "association"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _save(
    app: Annuaire, record: AssociationRecord, last: int, taken: Iterable[Identifier] = ()
) -> AssociationRecord:
    """Write `record` (compare-and-set on `last`); the numbers just `taken` for it are given
    back when the write fails."""
    try:
        revision = await app.associations.update(record.slug, record, last=last)
    except BaseException:
        await identifiers.give_back(app, taken, record.slug)
        raise
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
    validated = state is AssociationState.VALIDATED
    if not validated:
        await identifiers.check_free(app, fields)
    now = app.clock.now()
    for slug in slug_candidates(make_slug(fields.name)):
        if app.index.association(slug) is not None:
            continue
        record = domain.register(slug, fields, contact, now, state=state)
        taken = await identifiers.take(app, record) if validated else []
        try:
            revision = await app.associations.create(slug, record)
        except AlreadyExists:
            await identifiers.give_back(app, taken, slug)
            continue  # created meanwhile by someone else: try the next slug
        except BaseException:
            await identifiers.give_back(app, taken, slug)
            raise
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
    record = domain.apply_change(current.value, fields, change.contact, app.clock.now())
    if domain.same_content(record, current.value):
        return current.value
    if record.state is not AssociationState.VALIDATED:
        await identifiers.check_free(app, record, slug)
        return await _save(app, record, current.revision)
    saved = await _save(app, record, current.revision, await identifiers.take(app, record))
    dropped = set(identifiers_of(current.value)) - set(identifiers_of(record))
    await identifiers.give_back(app, dropped, slug)
    return saved


@dataclass(frozen=True)
class Validated:
    association: AssociationRecord
    token: str
    """The association's bearer token: shown once, only its hash is stored."""


async def validate_association(app: Annuaire, slug: str) -> Validated:
    """Validate, then ask the welcome mail (its key is the slug's). Validating again answers
    `InvalidState` as before, after asking the welcome again under the same key: the retry
    of a validation whose request failed (503) gets its mail, one already sent is not sent
    twice."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    if current.value.state is AssociationState.VALIDATED:
        await mails.welcome(app, current.value)
    token = secrets.token_urlsafe(32)
    record = domain.validate(current.value, hash_token(token), app.clock.now())
    taken = await identifiers.take(app, record)  # NumberHeld: the city is told who has it
    saved = await _save(app, record, current.revision, taken)
    await mails.welcome(app, saved)
    return Validated(saved, token)


async def refuse_registration(app: Annuaire, slug: str, reason: str) -> AssociationRecord:
    """`pending` → archived with the city's reason, mailed to the contact. Refusing again
    asks the same mail again (same key, sent once) and answers `InvalidState`."""
    revalidate(InscriptionRefuseeParams, {"reason": reason})  # the mail's rules, before saving
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    if current.value.refusal_reason is not None:
        await mails.refused(app, current.value, current.value.refusal_reason)
        raise InvalidState("Cette inscription est déjà refusée.")
    record = domain.refuse(current.value, reason, app.clock.now())
    saved = await _save(app, record, current.revision)
    await mails.refused(app, saved, reason)
    return saved


async def issue_token(
    app: Annuaire, slug: str, token: str | None = None, *, by: By | None = None
) -> Validated:
    """A new token (random, or the demo's chosen `token`) for a validated association; the
    previous one stops working. No fact: nothing public changed. `by` (the city or the
    association itself) is told to the association by mail; None (the demo): no mail."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    token = token or secrets.token_urlsafe(32)
    hashed = hash_token(token)
    record = domain.with_new_token(current.value, hashed)
    await app.associations.update(slug, record, last=current.revision)
    if by is not None:
        await mails.token_changed(app, record, hashed, by, issued=True)
    return Validated(record, token)


async def revoke_token(app: Annuaire, slug: str, *, by: By) -> AssociationRecord:
    """No token any more: tools using it are refused (401), sessions opened with it end."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    old = current.value.token_hash or ""
    record = domain.without_token(current.value)
    await app.associations.update(slug, record, last=current.revision)
    await mails.token_changed(app, record, old, by, issued=False)
    return record


async def archive_association(app: Annuaire, slug: str) -> AssociationRecord:
    """Archive the record (its token stops working) and close its missions."""
    current = await app.associations.get(slug)
    if current is None:
        raise NotFound(NOT_FOUND)
    record = await _save(app, domain.archive(current.value, app.clock.now()), current.revision)
    await identifiers.give_back(app, identifiers_of(record), slug)
    await close_missions_of(app, slug)
    return record
