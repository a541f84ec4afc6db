"""Command line: `vieasso-agenda serve` (and the service's tools)."""

from __future__ import annotations

import typer

from vieasso.agenda.config import AgendaSettings
from vieasso.common.http.server import serve_service

app = typer.Typer(help="Agenda de la vie associative bisontine.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the agenda service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("agenda", "vieasso.agenda.bootstrap:create_asgi", AgendaSettings())


@app.command()
def demo() -> None:
    """Publish demo events for the directory's validated associations (idempotent)."""
    # Imported here: `serve` starts faster without the messaging stack in granian's
    # main process (its worker imports the application anyway).
    from vieasso.agenda.entrypoints.cli_demo import demo as run_demo  # noqa: PLC0415

    for line in run_demo(AgendaSettings()):
        typer.echo(line)


@app.callback()
def _root() -> None:
    """Agenda de la vie associative bisontine."""


def main() -> None:
    app()
