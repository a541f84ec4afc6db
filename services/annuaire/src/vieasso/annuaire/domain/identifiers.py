"""The official numbers that identify an association (RNA, SIREN) and who may hold them.

Only a validated association holds its numbers: a pending registration holding a real
association's RNA would otherwise block it, and archiving gives the numbers back. The
holder is written in the ``annuaire_identifiers`` bucket (adapters/identifiers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vieasso.annuaire.domain.errors import NumberHeld
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState

SIREN_LENGTH = 9
STATES = {
    AssociationState.PENDING: "en attente de validation",
    AssociationState.VALIDATED: "validée",
    AssociationState.ARCHIVED: "archivée",
}


class Numbered(Protocol):
    """A record or the fields of one: what carries the numbers."""

    @property
    def rna_id(self) -> str | None: ...
    @property
    def siren(self) -> str | None: ...
    @property
    def siret(self) -> str | None: ...


@dataclass(frozen=True)
class Identifier:
    kind: str  # "rna" | "siren"
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.value}"

    @property
    def label(self) -> str:
        return f"{self.kind.upper()} {self.value}"

    @property
    def field(self) -> str:
        """The field of the record (a SIREN may come from the SIRET: still `siren`)."""
        return "rna_id" if self.kind == "rna" else "siren"


def identifiers_of(record: Numbered) -> tuple[Identifier, ...]:
    """The RNA id and the SIREN (given, or the first 9 digits of the SIRET)."""
    found = []
    if record.rna_id:
        found.append(Identifier("rna", record.rna_id))
    siren = record.siren or (record.siret[:SIREN_LENGTH] if record.siret else None)
    if siren:
        found.append(Identifier("siren", siren))
    return tuple(found)


def blocks(holder: AssociationPublic) -> bool:
    """Whether the association holding a number keeps it (archived: it does not)."""
    return holder.state is not AssociationState.ARCHIVED


def already_held(identifier: Identifier, holder: AssociationPublic) -> NumberHeld:
    """The French refusal, for the city at validation or for a registration."""
    return NumberHeld(
        f"Le numéro {identifier.label} est déjà celui de l'association « {holder.name} » "
        f"({holder.slug}, {STATES[holder.state]}). S'il s'agit de la même association, "
        "gardez une seule fiche et archivez l'autre (l'archivage libère le numéro) ; sinon, "
        "corrigez le numéro.",
        identifier.field,
    )
