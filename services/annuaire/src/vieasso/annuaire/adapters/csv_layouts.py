"""The two import layouts: the city's spreadsheet and the national RNA extract.

Each row becomes `AssociationFields` (+ private contact) or French errors named after the
file's own columns (see docs/annuaire.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import ValidationError

from vieasso.annuaire.domain.commands import AssociationFields, PrivateContact
from vieasso.annuaire.domain.rules import make_slug, normalize
from vieasso.common.messages.base import FieldError
from vieasso.common.reference.loader import load_quartiers, load_themes, theme_for_rna
from vieasso.common.validation import french_errors


class Layout(StrEnum):
    CITY = "ville"
    RNA = "rna"


CITY_COLUMNS: dict[str, str] = {
    "name": "nom", "short_name": "sigle", "purpose": "objet", "rna_id": "rna",
    "siren": "siren", "siret": "siret", "themes": "themes", "quartier": "quartier",
    "address.street": "adresse", "address.postal_code": "code_postal", "address.city": "ville",
    "email": "email", "phone": "telephone", "website": "site_web",
    "social_links": "reseaux_sociaux", "employs_staff": "salaries",
    "founded_on": "date_creation", "contact.name": "contact_nom",
    "contact.email": "contact_email", "contact.phone": "contact_telephone",
}  # fmt: skip
"""Model field → column of the city's spreadsheet (see docs/annuaire.md)."""

RNA_COLUMNS: dict[str, str] = {
    "rna_id": "id", "name": "titre", "short_name": "titre_court", "purpose": "objet",
    "themes": "objet_social1", "siret": "siret", "address.street": "adrs_libvoie",
    "address.postal_code": "adrs_codepostal", "address.city": "adrs_libcommune",
    "founded_on": "date_creat", "website": "siteweb",
}  # fmt: skip
"""Model field → column of the national RNA files (`rna_import_*`)."""

_TYPE_VOIE = {
    "RUE": "rue", "AV": "avenue", "BD": "boulevard", "PL": "place", "CHE": "chemin",
    "CHEM": "chemin", "IMP": "impasse", "ALL": "allée", "RTE": "route", "QUAI": "quai",
    "FG": "faubourg", "SQ": "square", "CRS": "cours", "PASS": "passage", "PROM": "promenade",
    "SEN": "sentier", "RPT": "rond-point", "CITE": "cité", "HAM": "hameau", "LD": "lieu-dit",
}  # fmt: skip
_LIST_SEPARATOR = re.compile(r"\s*[|,;]\s*")
_YES = {"oui", "o", "yes", "y", "1", "true", "vrai", "x"}
_NO = {"non", "n", "no", "0", "false", "faux"}


@dataclass
class Row:
    line: int
    fields: AssociationFields | None = None
    contact: PrivateContact | None = None
    dissolved: bool = False
    errors: list[FieldError] = field(default_factory=list)
    provided: frozenset[str] | None = None
    """Fields this row gives a value to; an update leaves the others alone (None: all)."""


def _split(value: str) -> list[str]:
    return [v for v in _LIST_SEPARATOR.split(value) if v]


def _code(value: str, known: Mapping[str, str]) -> str:
    """A reference code given as its code or its French label (unknown: slugged, so that
    the reference check names it)."""
    return known.get(normalize(value)) or make_slug(value, max_length=40)


def _date(value: str) -> str | None:
    if not value or value.startswith("0001"):
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return value  # left for the model to refuse in French


def _bool(value: str) -> bool | str | None:
    lowered = value.lower()
    if not lowered:
        return None
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    return value


def _optional(cells: dict[str, str], column: str) -> str | None:
    return cells.get(column) or None


@cache
def _themes_by_label() -> dict[str, str]:
    return {normalize(t.label): t.code for t in load_themes()} | {
        t.code: t.code for t in load_themes()
    }


@cache
def _quartiers_by_label() -> dict[str, str]:
    """Code, label, each part of the label (« Planoise – Châteaufarine ») and aliases."""
    names: dict[str, str] = {}
    for q in load_quartiers():
        for name in (q.code, q.label, *q.label.split("–"), *q.aliases):
            names.setdefault(normalize(name), q.code)
    return names


def _address(street: str, postal_code: str, city: str) -> dict[str, str] | None:
    if not (street or postal_code):
        return None
    return {"street": street, "postal_code": postal_code, "city": city or "Besançon"}


def city_row(line: int, cells: dict[str, str]) -> Row:
    data: dict[str, Any] = {
        "name": cells.get("nom", ""),
        "short_name": _optional(cells, "sigle"),
        "purpose": cells.get("objet", ""),
        "rna_id": _optional(cells, "rna"),
        "siren": _optional(cells, "siren"),
        "siret": _optional(cells, "siret"),
        "themes": [_code(t, _themes_by_label()) for t in _split(cells.get("themes", ""))],
        "quartier": _code(q, _quartiers_by_label()) if (q := cells.get("quartier")) else None,
        "address": _address(
            cells.get("adresse", ""), cells.get("code_postal", ""), cells.get("ville", "")
        ),
        "email": _optional(cells, "email"),
        "phone": _optional(cells, "telephone"),
        "website": _optional(cells, "site_web"),
        "social_links": _split(cells.get("reseaux_sociaux", "")),
        "employs_staff": _bool(cells.get("salaries", "")),
        "founded_on": _date(cells.get("date_creation", "")),
    }
    contact = None
    if cells.get("contact_nom") or cells.get("contact_email"):
        contact = {
            "name": cells.get("contact_nom", ""),
            "email": cells.get("contact_email", ""),
            "phone": _optional(cells, "contact_telephone"),
        }
    row = _row(line, data, contact, CITY_COLUMNS)
    # A column the spreadsheet does not have leaves the field alone; an empty cell clears it.
    row.provided = frozenset(
        name
        for name in data
        if name in {"name", "purpose"}
        or any(cells.keys() & {c for f, c in CITY_COLUMNS.items() if f.split(".")[0] == name})
    )
    return row


def rna_row(line: int, cells: dict[str, str]) -> Row:
    kind = cells.get("adrs_typevoie", "").upper()
    street = " ".join(
        part
        for part in (
            cells.get("adrs_numvoie", ""),
            cells.get("adrs_repetition", "").lower(),
            _TYPE_VOIE.get(kind, kind.lower()),
            cells.get("adrs_libvoie", ""),
        )
        if part
    )
    codes = (cells.get("objet_social1", ""), cells.get("objet_social2", ""))
    themes = list(dict.fromkeys(t for c in codes if (t := theme_for_rna(c)) is not None))
    siret = cells.get("siret", "")
    data: dict[str, Any] = {
        "rna_id": cells.get("id", ""),
        "name": cells.get("titre", ""),
        "short_name": _optional(cells, "titre_court"),
        "purpose": cells.get("objet", ""),
        "siret": siret if siret.strip("0") else None,
        "themes": themes,
        "address": _address(
            street, cells.get("adrs_codepostal", ""), cells.get("adrs_libcommune", "")
        ),
        "website": _website(cells.get("siteweb", "")),
        "founded_on": _date(cells.get("date_creat", "")),
    }
    row = _row(line, data, None, RNA_COLUMNS)
    row.dissolved = cells.get("position", "A").upper() in {"D", "S"}
    # The RNA is often older than the association's own record: an empty cell clears nothing.
    row.provided = frozenset(name for name, value in data.items() if value not in (None, "", []))
    return row


def _website(value: str) -> str | None:
    if not value:
        return None
    return value if "://" in value else f"http://{value}"


def _row(
    line: int, data: dict[str, Any], contact: dict[str, Any] | None, columns: dict[str, str]
) -> Row:
    row = Row(line)
    try:
        row.fields = AssociationFields.model_validate(data)
    except ValidationError as exc:
        row.errors += _renamed(french_errors(exc), columns)
    if contact is not None:
        try:
            row.contact = PrivateContact.model_validate(contact)
        except ValidationError as exc:
            prefixed = [
                e.model_copy(update={"field": f"contact.{e.field}"}) for e in french_errors(exc)
            ]
            row.errors += _renamed(prefixed, columns)
    return row


def _renamed(errors: list[FieldError], columns: dict[str, str]) -> list[FieldError]:
    """Errors named after the file's columns (`founded_on` → `date_creation`)."""
    renamed = []
    for error in errors:
        name = error.field
        for model_field, column in sorted(columns.items(), key=lambda kv: -len(kv[0])):
            if name == model_field or name.startswith(f"{model_field}."):
                name = column
                break
        renamed.append(error.model_copy(update={"field": name}))
    return renamed


PARSERS: dict[Layout, Callable[[int, dict[str, str]], Row]] = {
    Layout.CITY: city_row,
    Layout.RNA: rna_row,
}
