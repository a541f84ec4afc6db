"""`vieasso-annuaire import FILE.csv`: progress bar, per-row report, `--dry-run`."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vieasso.annuaire.adapters.csv_import import UnreadableFile, read_rows
from vieasso.annuaire.adapters.csv_layouts import Row
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.handlers.imports import Action, ImportReport, RowResult, import_rows
from vieasso.annuaire.service import standalone
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.spreadsheet import write_rows

SHOW_ALL_UP_TO = 100


def run_import(
    path: Path, *, dry_run: bool, pending: bool, report_path: Path | None, details: bool
) -> int:
    console = Console()
    try:
        layout, rows = read_rows(path)
    except (UnreadableFile, OSError) as exc:
        console.print(f"[red]Fichier illisible : {exc}[/red]")
        return 2
    title = "Vérification (--dry-run : rien n'est écrit)" if dry_run else "Import"
    console.print(f"{title} de {len(rows)} ligne(s), format « {layout} » : {path}", soft_wrap=True)
    state = AssociationState.PENDING if pending else AssociationState.VALIDATED
    try:
        report = asyncio.run(_import(rows, state=state, dry_run=dry_run, console=console))
    except TimeoutError:
        nats_url = AnnuaireSettings().nats_url
        console.print(f"[red]NATS injoignable ({nats_url}) : rien n'a été importé.[/red]")
        return 2
    _print(console, report, details=details or len(rows) <= SHOW_ALL_UP_TO)
    if report_path is not None:
        _write(report_path, report)
        console.print(f"Rapport ligne à ligne : {report_path}")
    return 1 if report.count(Action.REFUSED) else 0


async def _import(
    rows: list[Row], *, state: AssociationState, dry_run: bool, console: Console
) -> ImportReport:
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )  # fmt: skip
    async with standalone(AnnuaireSettings()) as app:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("lignes", total=len(rows))

            def advance(_: RowResult) -> None:
                progress.advance(task)

            return await import_rows(app, rows, state=state, dry_run=dry_run, progress=advance)


def _print(console: Console, report: ImportReport, *, details: bool) -> None:
    shown = [r for r in report.results if details or r.action is Action.REFUSED]
    if shown:
        table = Table("ligne", "résultat", "association", "raisons")
        for r in shown:
            style = "red" if r.action is Action.REFUSED else None
            table.add_row(
                str(r.line), r.action.value, r.slug or "", "\n".join(r.reasons), style=style
            )
        console.print(table)
    verb = "seraient" if report.dry_run else "ont été"
    counts = ", ".join(f"{report.count(a)} {a.value}(s)" for a in Action if report.count(a))
    console.print(f"Bilan : {counts or 'aucune ligne'} ({verb} traitées).", soft_wrap=True)


def _write(path: Path, report: ImportReport) -> None:
    rows = ([r.line, r.action.value, r.slug, " ; ".join(r.reasons)] for r in report.results)
    with path.open("w", newline="", encoding="utf-8") as out:
        write_rows(out, ["ligne", "resultat", "association", "raisons"], rows)
