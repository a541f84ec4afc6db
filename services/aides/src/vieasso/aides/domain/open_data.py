"""The city's aid schemes as open data (``/export/aides.csv``, ``/export/aides.json``): its
published schemes (not the synced ones: Aides-territoires publishes those itself), public
fields only, in stable documented columns (docs/aides.md, *Données ouvertes*).

Pure: rows of plain values (text, int, None) from the schemes and today (for the next
deadline). Lists are joined with ``;`` in the CSV and stay lists in the JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.deadlines import OneDate, YearlyWindow, next_closing
from vieasso.aides.domain.schemes import AidScheme, SchemeOrigin

COLUMNS = (
    "id", "nom", "resume", "description", "financeurs", "types", "themes", "perimetre",
    "salaries", "quartiers", "anciennete_min_mois", "budget_min_eur", "budget_max_eur",
    "benevoles_min", "benevoles_max", "autres_conditions", "montant_min_eur",
    "montant_max_eur", "taux_min_pourcent", "taux_max_pourcent", "precision_montant",
    "calendrier", "date_ouverture", "date_limite", "periode_debut", "periode_fin",
    "prochaine_date_limite", "lien_demande", "pieces_a_fournir", "contact", "licence",
    "version", "mise_a_jour",
)  # fmt: skip
LISTS = frozenset(
    {"financeurs", "types", "themes", "quartiers", "autres_conditions", "pieces_a_fournir"}
)


def exported(schemes: Iterable[AidScheme]) -> list[AidScheme]:
    """The city's published schemes, by id."""
    return sorted(
        (s for s in schemes if s.published and s.source.origin is SchemeOrigin.CITY),
        key=lambda s: s.id,
    )


def row(scheme: AidScheme, today: date) -> dict[str, Any]:
    """One scheme's values by column (lists as lists, dates ISO, amounts in euros)."""
    rule, rules, amounts = scheme.deadlines, scheme.eligibility, scheme.amounts
    one = rule if isinstance(rule, OneDate) else None
    yearly = rule if isinstance(rule, YearlyWindow) else None
    closing = next_closing(rule, today)
    url = scheme.application.url
    values: dict[str, Any] = {
        "id": scheme.id,
        "nom": scheme.name,
        "resume": scheme.short_description,
        "description": scheme.description,
        "financeurs": list(scheme.funders),
        "types": [k.value for k in scheme.kinds],
        "themes": list(scheme.themes),
        "perimetre": scheme.perimeter,
        "salaries": rules.employs_staff.value,
        "quartiers": list(rules.quartiers),
        "anciennete_min_mois": rules.min_age_months,
        "budget_min_eur": rules.budget_min,
        "budget_max_eur": rules.budget_max,
        "benevoles_min": rules.min_volunteers,
        "benevoles_max": rules.max_volunteers,
        "autres_conditions": list(rules.conditions),
        "montant_min_eur": amounts.min_eur,
        "montant_max_eur": amounts.max_eur,
        "taux_min_pourcent": amounts.rate_min_percent,
        "taux_max_pourcent": amounts.rate_max_percent,
        "precision_montant": amounts.note,
        "calendrier": rule.kind,
        "date_ouverture": one.opens_on.isoformat() if one and one.opens_on else None,
        "date_limite": one.deadline.isoformat() if one else None,
        "periode_debut": f"{yearly.opens_month:02d}-{yearly.opens_day:02d}" if yearly else None,
        "periode_fin": f"{yearly.closes_month:02d}-{yearly.closes_day:02d}" if yearly else None,
        "prochaine_date_limite": closing.isoformat() if closing else None,
        "lien_demande": str(url) if url else None,
        "pieces_a_fournir": list(scheme.application.documents),
        "contact": scheme.application.contact,
        "licence": scheme.source.licence,
        "version": scheme.version,
        "mise_a_jour": local_day(scheme.updated_at).isoformat(),
    }
    return values


def csv_cells(values: dict[str, Any]) -> list[str | int | None]:
    """The row in `COLUMNS` order, lists joined with ``;``."""
    return ["; ".join(values[c]) if c in LISTS else values[c] for c in COLUMNS]
