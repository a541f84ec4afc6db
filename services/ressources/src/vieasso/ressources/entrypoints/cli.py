"""Command line: `vieasso-ressources serve | demo`."""

from __future__ import annotations

import typer

from vieasso.common.http.server import serve_service
from vieasso.common.logging import configure_logging
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.entrypoints.cli_demo import run_demo

app = typer.Typer(help="Prêt de matériel et de salles de la Ville.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the ressources service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("ressources", "vieasso.ressources.bootstrap:create_app", RessourcesSettings())


@app.command()
def demo() -> None:
    """Charger le catalogue de démonstration (une vingtaine de matériels, cinq salles sur les
    lieux de l'annuaire), sans doublon : le relancer ne change rien."""
    configure_logging("ressources", level="ERROR", json_lines=False)
    raise typer.Exit(run_demo())


@app.callback()
def _root() -> None:
    """Prêt de matériel et de salles de la Ville."""


def main() -> None:
    app()
