"""Open-data exports: CSV (UTF-8, comma, CRLF, stable columns, no cell a spreadsheet would run
as a formula) and JSON of public records."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from vieasso.common.messages.annuaire import AssociationPublic, MissionPublic
from vieasso.common.spreadsheet import Cell, csv_bytes

ASSOCIATION_COLUMNS: tuple[str, ...] = (
    "slug", "name", "short_name", "purpose", "rna_id", "siren", "siret", "themes", "quartier",
    "street", "postal_code", "city", "email", "phone", "website", "social_links",
    "employs_staff", "founded_on", "state", "created_at", "updated_at", "validated_at",
)  # fmt: skip

MISSION_COLUMNS: tuple[str, ...] = (
    "id", "association_slug", "title", "description", "themes", "quartier", "venue_id",
    "kind", "starts_on", "ends_on", "schedule", "time_commitment", "remote", "open_to_minors",
    "skills", "places_available", "how_to_apply", "apply_url", "state", "published_at",
    "updated_at", "closed_at",
)  # fmt: skip


def _cell(value: Any) -> Cell:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def _association_row(a: AssociationPublic) -> dict[str, Any]:
    row = a.model_dump(mode="json")
    address = row.pop("address") or {}
    row.update({k: address.get(k) for k in ("street", "postal_code", "city")})
    return row


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    return csv_bytes(columns, ([_cell(row.get(c)) for c in columns] for row in rows))


def associations_csv(items: Iterable[AssociationPublic]) -> bytes:
    return _csv(ASSOCIATION_COLUMNS, (_association_row(a) for a in items))


def missions_csv(items: Iterable[MissionPublic]) -> bytes:
    return _csv(MISSION_COLUMNS, (m.model_dump(mode="json") for m in items))


def as_json(items: Iterable[AssociationPublic | MissionPublic]) -> bytes:
    dump: Callable[[AssociationPublic | MissionPublic], Any] = lambda i: i.model_dump(mode="json")  # noqa: E731
    return json.dumps([dump(i) for i in items], ensure_ascii=False, indent=1).encode("utf-8")
