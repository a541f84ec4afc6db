"""Answer bodies of the HTTP API (public records, with the private contact for editors)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.commands import PrivateContact
from vieasso.common.messages.annuaire import AssociationPublic
from vieasso.common.messages.base import Text

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int = Field(description="Results matching the filters (before limit/offset).")
    items: list[T]


class AssociationDetail(AssociationPublic):
    """The record as its association and the city see it (with the private contact)."""

    private_contact: PrivateContact | None = None

    @classmethod
    def of(cls, record: AssociationRecord) -> AssociationDetail:
        private = {"token_hash", "last_change", "refusal_reason"}
        return cls.model_validate(record.model_dump(exclude=private))


class ValidationAnswer(BaseModel):
    association: AssociationPublic
    token: str = Field(description="Bearer token of the association, shown only this once.")
    message: str = (
        "Association validée. Transmettez ce jeton à l'association : il ne sera plus affiché."
    )


class Refusal(BaseModel):
    """Why the city refuses a registration (mailed to the association's private contact)."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=2000, description="Motif, en français.")
