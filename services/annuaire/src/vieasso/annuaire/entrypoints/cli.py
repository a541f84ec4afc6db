"""Command line: `vieasso-annuaire serve` (and the service's tools)."""

from __future__ import annotations

import typer

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.common.http.server import serve as serve_app
from vieasso.common.logging import configure_logging

app = typer.Typer(help="Annuaire de la vie associative bisontine.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the annuaire service (HTTP + NATS) until SIGINT/SIGTERM."""
    settings = AnnuaireSettings()
    configure_logging("annuaire", level=settings.log_level, json_lines=settings.log_json)
    serve_app(
        "vieasso.annuaire.bootstrap:create_app",
        host=settings.http_host,
        port=settings.port,
        log_level=settings.log_level,
    )


@app.callback()
def _root() -> None:
    """Annuaire de la vie associative bisontine."""


def main() -> None:
    app()
