"""Importing associations from a file: each row is one write (or none), matched by RNA id,
else by the slug of its name; importing the same file again changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from vieasso.annuaire.adapters.csv_layouts import Row
from vieasso.annuaire.domain import associations as domain
from vieasso.annuaire.domain.checks import check_association
from vieasso.annuaire.domain.commands import AssociationFields, ChangeAssociation
from vieasso.annuaire.domain.errors import DomainError, InvalidInput
from vieasso.annuaire.domain.rules import association_slug
from vieasso.annuaire.handlers.associations import (
    archive_association,
    change_association,
    register_association,
)
from vieasso.annuaire.handlers.unit import Annuaire, revalidate
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.base import FieldError


class Action(StrEnum):
    CREATED = "créée"
    UPDATED = "mise à jour"
    UNCHANGED = "inchangée"
    ARCHIVED = "archivée"
    SKIPPED = "ignorée"
    REFUSED = "refusée"


@dataclass(frozen=True)
class RowResult:
    line: int
    action: Action
    slug: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass
class ImportReport:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for r in self.results if r.action is action)


def find_existing(app: Annuaire, fields: AssociationFields) -> str | None:
    """By RNA id; else by the slug of the name, unless that record has another RNA id."""
    if fields.rna_id and (holder := app.index.association_with_rna(fields.rna_id)):
        return holder
    slug = association_slug(fields.name)
    found = app.index.association(slug)
    if found is None or (fields.rna_id and found.rna_id and found.rna_id != fields.rna_id):
        return None
    return slug


def _change(row: Row) -> ChangeAssociation:
    """The row as an edit of the fields it provides (and its contact, when it has one)."""
    assert row.fields is not None  # noqa: S101 - refused rows never get here
    data = row.fields.model_dump(
        mode="json", include=set(row.provided) if row.provided is not None else None
    )
    return ChangeAssociation.model_validate(
        data | ({"contact": row.contact} if row.contact else {})
    )


def _plan(app: Annuaire, slug: str | None, row: Row) -> RowResult:
    """What importing `row` would do, without writing (the `--dry-run`)."""
    assert row.fields is not None  # noqa: S101 - refused rows never get here
    existing = app.index.association(slug) if slug else None
    if existing is None:
        if row.dissolved:
            return RowResult(row.line, Action.SKIPPED, None, ("association dissoute",))
        check_association(row.fields, app.index.known, app.today())
        return RowResult(row.line, Action.CREATED, association_slug(row.fields.name))
    if row.dissolved:
        done = existing.state is AssociationState.ARCHIVED
        return RowResult(row.line, Action.UNCHANGED if done else Action.ARCHIVED, slug)
    change = _change(row)
    fields = revalidate(AssociationFields, domain.merged_fields(existing, change))
    check_association(fields, app.index.known, app.today())
    after = domain.apply_change(existing, fields, change.contact, app.clock.now())
    same = domain.same_content(after, existing)
    return RowResult(row.line, Action.UNCHANGED if same else Action.UPDATED, slug)


async def _apply(app: Annuaire, row: Row, state: AssociationState, dry_run: bool) -> RowResult:
    assert row.fields is not None  # noqa: S101
    slug = find_existing(app, row.fields)
    planned = _plan(app, slug, row)
    if dry_run or planned.action in (Action.UNCHANGED, Action.SKIPPED):
        return planned
    if planned.action is Action.CREATED:
        record = await register_association(app, row.fields, row.contact, state=state)
        return RowResult(row.line, Action.CREATED, record.slug)
    assert slug is not None  # noqa: S101
    if planned.action is Action.ARCHIVED:
        await archive_association(app, slug)
    else:
        await change_association(app, slug, _change(row))
    return planned


def _keys(row: Row) -> set[str]:
    """What a row may match: two rows sharing a key are never imported concurrently."""
    if row.fields is None:
        return set()
    keys = {f"slug:{association_slug(row.fields.name)}"}
    if row.fields.rna_id:
        keys.add(f"rna:{row.fields.rna_id}")
    return keys


async def _import_one(app: Annuaire, row: Row, state: AssociationState, dry_run: bool) -> RowResult:
    if row.errors or row.fields is None:
        return RowResult(row.line, Action.REFUSED, None, _reasons(row.errors))
    try:
        return await _apply(app, row, state, dry_run)
    except InvalidInput as exc:
        return RowResult(row.line, Action.REFUSED, None, _reasons(exc.errors))
    except DomainError as exc:
        return RowResult(row.line, Action.REFUSED, None, (exc.message,))


def _reasons(errors: list[FieldError]) -> tuple[str, ...]:
    return tuple(f"{e.field} : {e.message}" for e in errors)


async def import_rows(
    app: Annuaire,
    rows: Iterable[Row],
    *,
    state: AssociationState = AssociationState.VALIDATED,
    dry_run: bool = False,
    progress: Callable[[RowResult], None] = lambda _: None,
    concurrency: int = 8,
) -> ImportReport:
    """Import every row; a refused row writes nothing and does not stop the others.

    Up to `concurrency` rows are written at once, never two that may match the same record.
    """
    report = ImportReport(dry_run=dry_run)
    batch: list[Row] = []
    batch_keys: set[str] = set()

    async def flush() -> None:
        results = await asyncio.gather(*(_import_one(app, r, state, dry_run) for r in batch))
        for result in results:
            report.results.append(result)
            progress(result)
        batch.clear()
        batch_keys.clear()

    for row in rows:
        keys = _keys(row)
        if len(batch) >= concurrency or keys & batch_keys:
            await flush()
        batch.append(row)
        batch_keys.update(keys)
    if batch:
        await flush()
    return report
