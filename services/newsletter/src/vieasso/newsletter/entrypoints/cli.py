"""Command line: `vieasso-newsletter serve` (and the service's tools)."""

from __future__ import annotations

import typer

from vieasso.common.http.server import serve as serve_app
from vieasso.common.logging import configure_logging
from vieasso.newsletter.config import NewsletterSettings

app = typer.Typer(
    help="Lettre d’information de la vie associative bisontine.", no_args_is_help=True
)


@app.command()
def serve() -> None:
    """Start the newsletter service (HTTP + NATS) until SIGINT/SIGTERM."""
    settings = NewsletterSettings()
    configure_logging("newsletter", level=settings.log_level, json_lines=settings.log_json)
    serve_app(
        "vieasso.newsletter.bootstrap:create_app",
        host=settings.http_host,
        port=settings.port,
        log_level=settings.log_level,
    )


@app.callback()
def _root() -> None:
    """Lettre d’information de la vie associative bisontine."""


def main() -> None:
    app()
