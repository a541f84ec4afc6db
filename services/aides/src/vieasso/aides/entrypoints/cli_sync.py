"""`vieasso-aides sync [--complete]`: one Aides-territoires sync from the command line, with a
progress bar over the pages and the report printed (French, for the city's staff).
`vieasso-aides demo-aides-territoires`: the same job on the recorded sample (`make run`)."""

from __future__ import annotations

import asyncio

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from vieasso.aides.adapters.aides_territoires_sample import SampleSource
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.sync_report import SyncReport
from vieasso.aides.entrypoints.sync import sync_once
from vieasso.aides.handlers.sync import NO_TOKEN, SyncJob, run_sync
from vieasso.aides.handlers.sync import Progress as PageProgress
from vieasso.aides.service import standalone

CONNECT_TIMEOUT = 15.0


def run_sync_command(*, full: bool) -> int:
    """0: synced (or no token: said and nothing done); 1: stopped by an error; 2: NATS
    unreachable."""
    console = Console()
    settings = AidesSettings()
    if settings.aides_territoires_token is None:
        console.print(NO_TOKEN, soft_wrap=True, highlight=False)
        return 0
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("pages", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = asyncio.run(_sync(settings, full=full, progress=advance))
        except TimeoutError:
            console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été fait.[/red]")
            return 2
    if report is None:  # the token was removed meanwhile
        console.print(NO_TOKEN, soft_wrap=True, highlight=False)
        return 0
    for line in summary(report):
        console.print(line, soft_wrap=True, highlight=False)
    return 1 if report.error else 0


def summary(report: SyncReport) -> list[str]:
    lines = [
        f"Synchronisation Aides-territoires : {report.pages} page(s), {report.fetched} fiche(s) ; "
        f"{report.created} ajoutée(s), {report.updated} mise(s) à jour, {report.withdrawn} "
        f"retirée(s), {report.unchanged} inchangée(s), {report.skipped_count} ignorée(s) ; "
        f"{report.retries} nouvelle(s) tentative(s) ; {report.duration_seconds:.1f} s."
    ]
    lines += [f"  ignorée {s.source_id or '?'} : {s.reason}" for s in report.skipped]
    if report.error:
        lines.append(f"Interrompue : {report.error} Rien n'a été retiré.")
    return lines


async def _sync(
    settings: AidesSettings, *, full: bool, progress: PageProgress
) -> SyncReport | None:
    async with standalone(settings, connect_timeout=CONNECT_TIMEOUT) as service:
        unit = service.schemes()
        return await sync_once(unit, service.sync_state, settings, full=full, progress=progress)


def run_sample_demo() -> int:
    """0: the sample is stored; 1: a record was refused; 2: NATS unreachable."""
    console = Console()
    settings = AidesSettings()
    try:
        report = asyncio.run(_sample(settings))
    except TimeoutError:
        console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été chargé.[/red]")
        return 2
    console.print("Échantillon enregistré d'Aides-territoires :", highlight=False)
    for line in summary(report):
        console.print(line, soft_wrap=True, highlight=False)
    return 1 if report.error or report.skipped_count else 0


async def _sample(settings: AidesSettings) -> SyncReport:
    async with standalone(settings, connect_timeout=CONNECT_TIMEOUT) as service:
        job = SyncJob(
            service.schemes(), SampleSource(), service.sync_state,
            insee=settings.aides_territoires_insee, site=settings.aides_territoires_url,
        )  # fmt: skip
        return await run_sync(job)
