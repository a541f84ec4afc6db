"""Command line: `vieasso-aides serve`."""

from __future__ import annotations

import typer

from vieasso.aides.config import AidesSettings
from vieasso.common.http.server import serve_service

app = typer.Typer(help="Aides aux associations : dispositifs et échéances.", no_args_is_help=True)


@app.command()
def serve() -> None:
    """Start the aides service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("aides", "vieasso.aides.bootstrap:create_app", AidesSettings())


@app.callback()
def _root() -> None:
    """Aides aux associations : dispositifs et échéances."""


def main() -> None:
    app()
