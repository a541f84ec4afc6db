"""Command line: `vieasso-ressources serve`."""

from __future__ import annotations

import typer

from vieasso.common.http.server import serve_service
from vieasso.ressources.config import RessourcesSettings

app = typer.Typer(help="Prêt de matériel et de salles de la Ville.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the ressources service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("ressources", "vieasso.ressources.bootstrap:create_app", RessourcesSettings())


@app.callback()
def _root() -> None:
    """Prêt de matériel et de salles de la Ville."""


def main() -> None:
    app()
