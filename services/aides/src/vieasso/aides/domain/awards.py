"""Grants the city awarded, recorded in its space and exported in the SCDL *subventions*
format (``/export/aides-attributions.csv``; export only).

Stored in ``aides_schemes`` under ``award.<id>`` (beside the schemes' ``scheme.<id>``: no
new bucket). The columns are those of the SCDL *subventions* table schema, version 2.1.1
(OpenDataFrance, ``schema.json``, 16 fields, in this order); dates ISO 8601, amounts with a
dot, booleans ``oui``/``non``. Pure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from vieasso.common.messages.base import Line, Slug

AWARD_PREFIX = "award."
SCDL_VERSION = "2.1.1"
SCDL_COLUMNS = (
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention",
    "dispositifAide",
)  # fmt: skip
Siret = Annotated[str, Field(pattern=r"^\d{14}$")]
Rna = Annotated[str, Field(pattern=r"^W[0-9A-Z]{9}$")]


class Nature(StrEnum):
    CASH = "aide en numéraire"
    IN_KIND = "aide en nature"


class Payment(StrEnum):
    ONCE = "unique"
    INSTALMENTS = "échelonné"


class Award(BaseModel):
    """One grant of the city to an association of the directory, for one of its schemes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record: Literal["award"] = "award"
    id: Slug
    association: Slug
    beneficiary_name: Line = Field(min_length=1, max_length=200)
    beneficiary_siret: Siret | None = None
    beneficiary_rna: Rna | None = None
    scheme_id: Slug
    object: Line = Field(min_length=3, max_length=256)
    amount: Decimal = Field(gt=0, le=Decimal("100000000"), decimal_places=2)
    nature: Nature = Nature.CASH
    convention_date: date
    decision_reference: Line | None = Field(default=None, max_length=100)
    payment: Payment = Payment.ONCE
    paid_from: date
    paid_until: date | None = None
    recorded_at: AwareDatetime

    @model_validator(mode="after")
    def _consistent(self) -> Award:
        if self.beneficiary_siret is None and self.beneficiary_rna is None:
            raise ValueError("L'association n'a ni SIRET ni numéro RNA dans l'annuaire.")
        if self.paid_until is not None and self.paid_until < self.paid_from:
            raise ValueError("La fin de la période de versement est avant son début.")
        return self

    def payment_dates(self) -> str:
        """``AAAA-MM-JJ`` or ``AAAA-MM-JJ/AAAA-MM-JJ`` (the SCDL's `datesPeriodeVersement`)."""
        if self.paid_until is None or self.paid_until == self.paid_from:
            return self.paid_from.isoformat()
        return f"{self.paid_from.isoformat()}/{self.paid_until.isoformat()}"


def scdl_row(award: Award, city_name: str, city_siret: str) -> list[str]:
    """One award as the SCDL columns (`SCDL_COLUMNS`), every cell text."""
    values = {
        "nomAttribuant": city_name,
        "idAttribuant": city_siret,
        "dateConvention": award.convention_date.isoformat(),
        "referenceDecision": award.decision_reference or "",
        "nomBeneficiaire": award.beneficiary_name,
        "idBeneficiaire": award.beneficiary_siret or "",
        "rnaBeneficiaire": award.beneficiary_rna or "",
        "objet": award.object,
        "montant": f"{award.amount:.2f}",
        "nature": award.nature.value,
        "conditionsVersement": award.payment.value,
        "datesPeriodeVersement": award.payment_dates(),
        "idRAE": "",  # aids to businesses only
        "notificationUE": "non",  # associations' grants: no de minimis notification
        "pourcentageSubvention": "1",  # one beneficiary: the whole amount
        "dispositifAide": award.scheme_id,
    }
    return [values[column] for column in SCDL_COLUMNS]


def scdl_rows(awards: list[Award], city_name: str, city_siret: str) -> list[list[str]]:
    """Oldest convention first (then by id: the same awards give the same bytes)."""
    ordered = sorted(awards, key=lambda a: (a.convention_date, a.id))
    return [scdl_row(a, city_name, city_siret) for a in ordered]
