"""The Aides-territoires sync: every page of the aids for associations on Besançon's
perimeters, each aid stored through `schemes.store` when it changed, the aids no longer live
withdrawn, and a report.

Incremental on `date_updated`: the API has no "changed since" filter nor an order on
`date_updated` (docs/aides.md), so each run reads every page, but an aid whose `date_updated`
is not after the last complete run's cursor, already stored in the same state, is left as it
is without being mapped (`full` maps them all again). Removal: after a run that read every
page, a synced aid the listing no longer holds is withdrawn; one sent with `is_live` false
too. A run stopped by an error, or whose listing ended before the `count` it announced, or
came back empty while synced aids are known, withdraws nothing and keeps its cursor (the next
run reads again what it missed). Without a token, nothing runs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vieasso.aides.adapters.aides_territoires import Page, SourceUnavailable
from vieasso.aides.adapters.bucket import StorageError
from vieasso.aides.adapters.sync_state import SyncState
from vieasso.aides.domain.aides_territoires import ID_PREFIX, MalformedRecord, read, to_scheme
from vieasso.aides.domain.errors import StaleRecord
from vieasso.aides.domain.schemes import AidScheme, SchemeOrigin, SchemeState
from vieasso.aides.domain.sync_report import SyncCursor, SyncReport
from vieasso.aides.handlers.schemes import Schemes, store

log = logging.getLogger(__name__)

NO_TOKEN = (
    "Aucun jeton Aides-territoires n'est configuré (VIEASSO_AIDES_TERRITOIRES_TOKEN) : "  # noqa: S105
    "la synchronisation ne s'exécute pas."
)
CAS_ATTEMPTS = 3
Progress = Callable[[int, int], None]  # pages read, pages in all


class AidSource(Protocol):
    retries: int

    async def perimeter_id(self, insee: str) -> str: ...

    def aids(self, perimeter_id: str) -> AsyncIterator[Page]: ...


@dataclass
class SyncJob:
    """One run's inputs: where to read, where to write, and what to say."""

    unit: Schemes
    source: AidSource
    state: SyncState
    insee: str
    site: str
    full: bool = False
    progress: Progress | None = None
    seen: set[str] = field(default_factory=set)


async def run_sync(job: SyncJob) -> SyncReport:
    """Run the sync; its report is saved in ``aides_sync`` even when it stopped early."""
    clock = job.unit.clock
    report = SyncReport(started_at=clock.now(), full=job.full)
    cursor = await job.state.cursor()
    since = None if job.full else cursor.date_updated
    newest, announced = None, 0
    try:
        perimeter = await job.source.perimeter_id(job.insee)
        async for page in job.source.aids(perimeter):
            announced = announced or page.count
            report.pages += 1
            for raw in page.results:
                updated = await _one(job, raw, since, report)
                newest = updated if newest is None or (updated and updated > newest) else newest
            if job.progress is not None:
                job.progress(page.number, page.pages)
        _check_listing(job, report, announced)
        await _withdraw_absent(job, report)
    except (SourceUnavailable, StorageError) as exc:
        message = exc.message if isinstance(exc, SourceUnavailable) else "Stockage indisponible."
        log.warning("aides-territoires sync stopped", extra={"reason": str(exc)})
        report.retries = job.source.retries
        report.finish(clock.now(), error=message)
        try:
            await job.state.save(report)
        except StorageError:
            log.warning("aides-territoires sync report not saved: NATS unavailable")
        return report
    report.retries = job.source.retries
    report.finish(clock.now())
    dates = [d for d in (newest, cursor.date_updated) if d is not None]
    reached = SyncCursor(date_updated=max(dates, default=None), complete_at=report.finished_at)
    await job.state.save(report, reached)
    log.info("aides-territoires sync done", extra=report.model_dump(exclude={"skipped"}))
    return report


async def _one(
    job: SyncJob, raw: object, since: datetime | None, report: SyncReport
) -> datetime | None:
    """Store one record if it changed; returns its `date_updated`."""
    report.fetched += 1
    try:
        aid = read(raw)
    except MalformedRecord as exc:
        if exc.source_id is not None:  # not withdrawn for being unreadable once
            job.seen.add(f"{ID_PREFIX}{exc.source_id}")
        report.skip(exc.source_id, exc.reason)
        return None
    job.seen.add(aid.scheme_id)
    found = job.unit.store.get(aid.scheme_id)
    if found is None and aid.state is not SchemeState.PUBLISHED:
        return aid.date_updated  # never shown here, and not live: nothing to keep
    if (
        found is not None
        and since is not None
        and aid.date_updated is not None
        and aid.date_updated <= since
        and found.value.state is aid.state
    ):
        report.unchanged += 1
        return aid.date_updated
    try:
        scheme = to_scheme(aid, site=job.site, now=job.unit.clock.now())
    except MalformedRecord as exc:
        report.skip(exc.source_id, exc.reason)
        return aid.date_updated
    _count(report, *await save(job.unit, scheme))
    return aid.date_updated


async def save(unit: Schemes, scheme: AidScheme) -> tuple[AidScheme | None, AidScheme]:
    """Store a synced scheme (compare-and-set, read again and retried if it moved);
    returns the record before and after."""
    for _ in range(CAS_ATTEMPTS - 1):
        found = unit.store.get(scheme.id)
        before = found.value if found else None
        if before is not None:
            scheme = scheme.model_copy(update={"published_at": before.published_at})
        try:
            return before, await store(unit, scheme, last=found.revision if found else None)
        except StaleRecord:
            await unit.store.fetch(scheme.id)
    found = unit.store.get(scheme.id)
    return (found.value if found else None), await store(
        unit, scheme, last=found.revision if found else None
    )


def _count(report: SyncReport, before: AidScheme | None, after: AidScheme) -> None:
    if before is None:
        report.created += 1
    elif after.version == before.version:
        report.unchanged += 1
    elif after.state is SchemeState.WITHDRAWN and before.published:
        report.withdrawn += 1
    else:
        report.updated += 1


def _check_listing(job: SyncJob, report: SyncReport, announced: int) -> None:
    """A listing that ended early, or came back empty while aids are known, is not trusted
    to say which aids are gone (an API change would otherwise withdraw them all)."""
    if report.fetched < announced:
        raise SourceUnavailable(
            f"Aides-territoires a annoncé {announced} aides mais n'en a envoyé que "
            f"{report.fetched}."
        )
    if report.fetched == 0 and any(
        s.published and s.source.origin is SchemeOrigin.AIDES_TERRITOIRES
        for s in job.unit.store.values()
    ):
        raise SourceUnavailable("La liste d'Aides-territoires est vide.")


async def _withdraw_absent(job: SyncJob, report: SyncReport) -> None:
    """After a complete listing: the synced aids it no longer holds are withdrawn."""
    for scheme in list(job.unit.store.values()):
        if (
            scheme.source.origin is SchemeOrigin.AIDES_TERRITOIRES
            and scheme.id not in job.seen
            and scheme.published
        ):
            gone = scheme.model_copy(update={"state": SchemeState.WITHDRAWN})
            _count(report, *await save(job.unit, gone))
