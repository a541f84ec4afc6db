"""Command line: `vieasso-aides serve | demo | sync`."""

from __future__ import annotations

import typer

from vieasso.aides.config import AidesSettings
from vieasso.aides.entrypoints.cli_demo import run_demo
from vieasso.aides.entrypoints.cli_sync import run_sample_demo, run_sync_command
from vieasso.common.http.server import serve_service
from vieasso.common.logging import configure_logging

app = typer.Typer(help="Aides aux associations : dispositifs et échéances.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the aides service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("aides", "vieasso.aides.bootstrap:create_app", AidesSettings())


@app.command()
def demo() -> None:
    """Charger les dispositifs d'aide de démonstration de la Ville (une quinzaine, publiés),
    sans doublon : le relancer ne change rien."""
    configure_logging("aides", level="ERROR", json_lines=False)
    raise typer.Exit(run_demo())


@app.command()
def sync(
    complete: bool = typer.Option(
        False, "--complete", help="Relire chaque fiche, même inchangée depuis la dernière fois."
    ),
) -> None:
    """Synchroniser les aides d'Aides-territoires pour les associations de Besançon (barre de
    progression, puis le bilan). Sans jeton configuré : le dit et ne fait rien."""
    configure_logging("aides", level="ERROR", json_lines=False)
    raise typer.Exit(run_sync_command(full=complete))


@app.command("demo-aides-territoires")
def demo_aides_territoires() -> None:
    """Charger l'échantillon enregistré d'Aides-territoires (une vingtaine d'aides d'autres
    financeurs) par le même traitement que la synchronisation : le relancer ne change rien."""
    configure_logging("aides", level="ERROR", json_lines=False)
    raise typer.Exit(run_sample_demo())


@app.callback()
def _root() -> None:
    """Aides aux associations : dispositifs et échéances."""


def main() -> None:
    app()
