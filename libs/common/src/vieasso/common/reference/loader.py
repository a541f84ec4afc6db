"""The Besançon reference data shipped in ``reference/data/``: read once, checked, cached.

Each JSON file carries a ``version`` (all equal to ``REFERENCE_VERSION``) and a ``source``
note saying where the data comes from and how precise it is. The annuaire seeds its KV
buckets from these files; other services read the buckets, not the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.reference.models import Quartier, Theme

REFERENCE_VERSION = "2026.1"

M = TypeVar("M", bound=BaseModel)

_RNA_CODE = re.compile(r"^\d{6}$")
_GROUP_SUFFIX = "000"


class ReferenceDataError(ValueError):
    """A reference data file is missing, malformed or inconsistent."""


def _document(name: str) -> dict[str, Any]:
    path = resources.files("vieasso.common.reference").joinpath("data", name)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{name}: cannot read reference data: {exc}") from exc
    if not isinstance(document, dict):
        raise ReferenceDataError(f"{name}: a JSON object is expected")
    if document.get("version") != REFERENCE_VERSION:
        raise ReferenceDataError(
            f"{name}: version {document.get('version')!r}, expected {REFERENCE_VERSION!r}"
        )
    if not str(document.get("source") or "").strip():
        raise ReferenceDataError(f"{name}: a 'source' note is required")
    return document


def _models(model: type[M], items: Any, where: str) -> tuple[M, ...]:
    try:
        return TypeAdapter(tuple[model, ...]).validate_python(items)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise ReferenceDataError(f"{where}: invalid entries:\n{exc}") from exc


def _check_unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ReferenceDataError(f"duplicate {what}: {value!r}")
        seen.add(value)


def check_quartiers(quartiers: Iterable[Quartier]) -> None:
    _check_unique((q.code for q in quartiers), "quartier code")


def check_themes(themes: Iterable[Theme], rna_groups: Iterable[str] = ()) -> None:
    """Unique codes, French labels, RNA codes of 6 digits claimed by one theme at most."""
    themes = tuple(themes)
    groups = set(rna_groups)
    _check_unique((t.code for t in themes), "theme code")
    _check_unique((code for t in themes for code in t.rna_codes), "RNA code")
    for theme in themes:
        if not theme.label.strip():
            raise ReferenceDataError(f"theme {theme.code!r} has no label")
        for code in theme.rna_codes:
            if not _RNA_CODE.match(code):
                raise ReferenceDataError(f"theme {theme.code!r}: bad RNA code {code!r}")
            if groups and code.endswith(_GROUP_SUFFIX) and code not in groups:
                raise ReferenceDataError(f"theme {theme.code!r}: unknown RNA group {code!r}")


def check_venues(venues: Iterable[VenuePublic], quartier_codes: Iterable[str]) -> None:
    """Unique ids, known quartiers, and parents that exist (no cycle)."""
    by_id = {v.id: v for v in venues}
    _check_unique((v.id for v in venues), "venue id")
    known = set(quartier_codes)
    for venue in by_id.values():
        if venue.quartier is not None and venue.quartier not in known:
            raise ReferenceDataError(f"venue {venue.id!r}: unknown quartier {venue.quartier!r}")
        seen = {venue.id}
        parent_id = venue.parent_id
        while parent_id is not None:
            if parent_id not in by_id:
                raise ReferenceDataError(f"venue {venue.id!r}: unknown parent {parent_id!r}")
            if parent_id in seen:
                raise ReferenceDataError(f"venue {venue.id!r}: parent cycle through {parent_id!r}")
            seen.add(parent_id)
            parent_id = by_id[parent_id].parent_id


@cache
def load_quartiers() -> tuple[Quartier, ...]:
    quartiers = _models(Quartier, _document("quartiers.json").get("quartiers"), "quartiers.json")
    check_quartiers(quartiers)
    return quartiers


@cache
def rna_groups() -> dict[str, str]:
    """Groups of the RNA *objet social* nomenclature (``XXX000``) and their labels."""
    groups = _document("themes.json").get("rna_groups")
    if not isinstance(groups, dict):
        raise ReferenceDataError("themes.json: 'rna_groups' must be an object")
    return {str(code): str(label) for code, label in groups.items()}


@cache
def load_themes() -> tuple[Theme, ...]:
    themes = _models(Theme, _document("themes.json").get("themes"), "themes.json")
    check_themes(themes, rna_groups())
    return themes


@cache
def load_venues() -> tuple[VenuePublic, ...]:
    venues = _models(VenuePublic, _document("venues.json").get("venues"), "venues.json")
    check_venues(venues, (q.code for q in load_quartiers()))
    return venues


def rna_mapper(themes: Iterable[Theme]) -> Callable[[str], str | None]:
    """A function mapping an RNA *objet social* code to a theme code (see `theme_for_rna`)."""
    exact = {code: theme.code for theme in themes for code in theme.rna_codes}
    by_group = {code[:3]: theme for code, theme in exact.items() if code.endswith(_GROUP_SUFFIX)}

    def theme_for(code: str) -> str | None:
        code = code.strip()
        if not _RNA_CODE.match(code):
            return None
        return exact.get(code) or by_group.get(code[:3])

    return theme_for


@cache
def _shipped_mapper() -> Callable[[str], str | None]:
    return rna_mapper(load_themes())


def theme_for_rna(code: str) -> str | None:
    """Theme code for an RNA *objet social* code: the exact code first, then its group.

    ``"011125"`` (a sport) → ``"sport"`` through group ``011000``; unknown or malformed
    codes (``""``, ``"000000"``, ``"050000"``) → ``None``.
    """
    return _shipped_mapper()(code)
