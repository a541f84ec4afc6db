"""Command line: `vieasso-annuaire serve | import FILE.csv | demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.entrypoints.cli_demo import run_demo
from vieasso.annuaire.entrypoints.cli_import import run_import
from vieasso.common.http.server import serve_service
from vieasso.common.logging import configure_logging

app = typer.Typer(help="Annuaire de la vie associative bisontine.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the annuaire service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("annuaire", "vieasso.annuaire.bootstrap:create_app", AnnuaireSettings())


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="Fichier CSV.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Vérifier chaque ligne sans rien écrire.")
    ] = False,
    pending: Annotated[
        bool,
        typer.Option("--en-attente", help="Créer les associations en attente de validation."),
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--rapport", help="Écrire le rapport ligne à ligne (CSV).")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="Afficher chaque ligne, pas seulement les refus.")
    ] = False,
) -> None:
    """Importer des associations : tableur de la Ville ou extrait du RNA (voir docs/annuaire.md).

    Chaque ligne est créée, mise à jour, archivée (RNA : dissoute) ou refusée en entier ;
    réimporter le même fichier ne change rien.
    """
    configure_logging("annuaire", level="ERROR", json_lines=False)
    code = run_import(file, dry_run=dry_run, pending=pending, report_path=report, details=details)
    raise typer.Exit(code)


@app.command()
def demo(
    count: Annotated[int, typer.Option("--count", min=1, max=20_000, help="Associations.")] = 60,
    missions: Annotated[
        int, typer.Option("--missions", min=0, max=100_000, help="Missions bénévoles.")
    ] = 40,
    seed: Annotated[int, typer.Option("--seed", help="Graine (même graine, mêmes données).")] = 1,
    access: Annotated[
        Path | None,
        typer.Option(
            "--acces", help="Écrire les jetons de démonstration (JSON : slug, name, token)."
        ),
    ] = None,
) -> None:
    """Charger l'annuaire de démonstration (associations validées, missions, et un jeton de
    démonstration pour deux d'entre elles), sans doublon."""
    configure_logging("annuaire", level="ERROR", json_lines=False)
    raise typer.Exit(run_demo(count=count, missions=missions, seed=seed, access_path=access))


@app.callback()
def _root() -> None:
    """Annuaire de la vie associative bisontine."""


def main() -> None:
    app()
