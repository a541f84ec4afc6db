"""Recording a grant the city awarded (`domain.awards`): the association from the directory
(validated, with its SIRET or RNA number there), one of the city's own schemes, the amount,
dates and object. Refusals are `InvalidInput` with per-field French messages; nothing is
stored then."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.domain.awards import Award
from vieasso.aides.domain.errors import InvalidInput, field_error
from vieasso.aides.domain.schemes import SchemeOrigin
from vieasso.aides.handlers.schemes import Schemes
from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.validation import french_errors

AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")
BAD_AMOUNT = "Indiquez un montant en euros, par exemple 1500 ou 1500,50."


async def record_award(
    awards: WatchedBucket[Award],
    unit: Schemes,
    directory: DirectoryView,
    clock: Clock,
    data: Mapping[str, Any],
) -> Award:
    slug = str(data.get("association") or "")
    association = directory.association(slug) if slug else None
    if association is None or association.state is not AssociationState.VALIDATED:
        message = "Choisissez une association validée de l'annuaire."
        raise InvalidInput([field_error("association", message, "unknown")])
    scheme_id = str(data.get("scheme_id") or "")
    found = unit.store.get(scheme_id) if scheme_id else None
    if found is None or found.value.source.origin is not SchemeOrigin.CITY:
        message = "Choisissez un dispositif de la Ville."
        raise InvalidInput([field_error("scheme_id", message, "unknown")])
    given = {k: v for k, v in data.items() if v not in ("", None)}
    if isinstance(amount := given.get("amount"), str):  # « 1 500,50 € » as people type it
        given["amount"] = "".join(amount.split()).removesuffix("€").replace(",", ".")
        if not AMOUNT.fullmatch(given["amount"]):
            raise InvalidInput([field_error("amount", BAD_AMOUNT, "invalid")])
    values = {
        **given,
        "id": f"att-{secrets.token_hex(6)}",
        "beneficiary_name": association.name,
        "beneficiary_siret": association.siret,
        "beneficiary_rna": association.rna_id,
        "recorded_at": clock.now(),
    }
    try:
        award = Award.model_validate(values)
    except ValidationError as exc:
        errors = french_errors(exc)
        raise InvalidInput(
            [e if e.field != "__root__" else field_error(_root_field(e.message), e.message, e.code)
             for e in errors]
        ) from exc  # fmt: skip
    await awards.write(award.id, award, last=None)
    return award


def _root_field(message: str) -> str:
    return "association" if "SIRET" in message else "paid_until"
