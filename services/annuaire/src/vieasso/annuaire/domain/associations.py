"""The association record and its life: `pending → validated → archived`.

The stored record is the public record plus private fields (contact, token hash, last
change); `public()` is what facts, lists and exports show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vieasso.annuaire.domain.commands import (
    AssociationFields,
    ChangeAssociation,
    PrivateContact,
)
from vieasso.annuaire.domain.errors import InvalidState
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.subjects import AssociationChange

_TIMESTAMPS = frozenset({"created_at", "updated_at", "validated_at"})
_PUBLIC_FIELDS = set(AssociationPublic.model_fields)


class AssociationRecord(AssociationPublic):
    """What the `annuaire_associations` bucket stores under `<slug>`."""

    private_contact: PrivateContact | None = None
    token_hash: str | None = None
    last_change: AssociationChange = AssociationChange.REGISTERED
    refusal_reason: str | None = None
    """Why the city refused the registration (archived while pending); private."""

    def public(self) -> AssociationPublic:
        """The public record (no validation again: a record is valid by construction)."""
        values = {name: getattr(self, name) for name in AssociationPublic.model_fields}
        return AssociationPublic.model_construct(_PUBLIC_FIELDS, **values)

    def fields(self) -> dict[str, Any]:
        """The editable public fields, as `AssociationFields` expects them."""
        return self.model_dump(include=set(AssociationFields.model_fields), mode="json")


def register(
    slug: str,
    fields: AssociationFields,
    contact: PrivateContact | None,
    now: datetime,
    *,
    state: AssociationState = AssociationState.PENDING,
) -> AssociationRecord:
    validated = state is AssociationState.VALIDATED
    values = {
        **{name: getattr(fields, name) for name in AssociationFields.model_fields},
        "slug": slug,
        "private_contact": contact,
        "state": state,
        "created_at": now,
        "updated_at": now,
        "validated_at": now if validated else None,
        "token_hash": None,
        "last_change": AssociationChange.VALIDATED if validated else AssociationChange.REGISTERED,
    }
    # Built from validated fields: no second validation (e-mail checks are costly on imports).
    return AssociationRecord.model_construct(set(values), **values)


def merged_fields(record: AssociationRecord, change: ChangeAssociation) -> dict[str, Any]:
    """The record's editable fields with the change applied (to validate again as a whole)."""
    fields = record.fields()
    fields.update(change.model_dump(exclude_unset=True, exclude={"contact"}, mode="json"))
    return fields


def apply_change(
    record: AssociationRecord,
    fields: AssociationFields,
    contact: PrivateContact | None,
    now: datetime,
) -> AssociationRecord:
    """The record with new public fields (and contact): raises if archived."""
    if record.state is AssociationState.ARCHIVED:
        raise InvalidState("Cette association est archivée : sa fiche ne peut plus être modifiée.")
    return record.model_copy(
        update={
            **dict(fields),
            "private_contact": contact or record.private_contact,
            "updated_at": now,
            "last_change": AssociationChange.UPDATED,
        }
    )


def same_content(a: AssociationRecord, b: AssociationRecord) -> bool:
    """True when nothing but timestamps differ (an edit that changes nothing is not a change)."""
    skip = set(_TIMESTAMPS | {"last_change", "token_hash"})
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def validate(record: AssociationRecord, token_hash: str, now: datetime) -> AssociationRecord:
    if record.state is AssociationState.VALIDATED:
        raise InvalidState("Cette association est déjà validée.")
    if record.state is AssociationState.ARCHIVED:
        raise InvalidState("Cette association est archivée : elle ne peut plus être validée.")
    return record.model_copy(
        update={
            "state": AssociationState.VALIDATED,
            "validated_at": now,
            "updated_at": now,
            "token_hash": token_hash,
            "last_change": AssociationChange.VALIDATED,
        }
    )


def with_new_token(record: AssociationRecord, token_hash: str) -> AssociationRecord:
    """A validated association's token replaced (lost, leaked, or imported without one).

    Private change: the public record, its timestamps and its last fact stay as they are.
    """
    if record.state is not AssociationState.VALIDATED:
        raise InvalidState("Seule une association validée reçoit un jeton.")
    return record.model_copy(update={"token_hash": token_hash})


def without_token(record: AssociationRecord) -> AssociationRecord:
    """The association revoked its token: no tool can use the API in its name any more."""
    if record.state is not AssociationState.VALIDATED:
        raise InvalidState("Seule une association validée a un jeton.")
    if record.token_hash is None:
        raise InvalidState("Cette association n'a pas de jeton en cours.")
    return record.model_copy(update={"token_hash": None})


def refuse(record: AssociationRecord, reason: str, now: datetime) -> AssociationRecord:
    """A pending registration refused by the city: archived, with the reason (kept private,
    mailed to the contact)."""
    if record.state is not AssociationState.PENDING:
        raise InvalidState("Seule une inscription en attente peut être refusée.")
    return archive(record, now).model_copy(update={"refusal_reason": reason})


def archive(record: AssociationRecord, now: datetime) -> AssociationRecord:
    if record.state is AssociationState.ARCHIVED:
        raise InvalidState("Cette association est déjà archivée.")
    return record.model_copy(
        update={
            "state": AssociationState.ARCHIVED,
            "updated_at": now,
            "token_hash": None,
            "last_change": AssociationChange.ARCHIVED,
        }
    )
