"""Command line: `vieasso-newsletter serve | send-digest | status | demo`."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from vieasso.common.http.server import serve_service
from vieasso.common.logging import configure_logging
from vieasso.common.messages.newsletter import Frequency, LetterAudience
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import ASSOCIATIONS_LETTER, Series
from vieasso.newsletter.entrypoints.cli_demo import add_demo_subscribers
from vieasso.newsletter.entrypoints.cli_digest import run
from vieasso.newsletter.service import standalone

app = typer.Typer(
    help="Lettre d’information de la vie associative bisontine.", no_args_is_help=True
)


@app.command()
def serve() -> None:
    """Start the newsletter service (HTTP + NATS) until SIGINT/SIGTERM."""
    serve_service("newsletter", "vieasso.newsletter.bootstrap:create_app", NewsletterSettings())


@app.command("send-digest")
def send_digest(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; write nothing.")
    ] = False,
    preview: Annotated[
        str | None, typer.Option("--preview", help="Send one preview mail to this address.")
    ] = None,
    frequency: Annotated[
        Frequency, typer.Option("--frequency", help="Which edition of the residents' digest.")
    ] = Frequency.HEBDOMADAIRE,
    audience: Annotated[
        LetterAudience,
        typer.Option(
            "--audience",
            help="habitants: the subscribers' digest; associations: the associations' "
            "letter (monthly; --frequency does not apply).",
        ),
    ] = LetterAudience.HABITANTS,
) -> None:
    """Build the edition due now (or resume it) and send it, with a progress bar."""
    settings = NewsletterSettings()
    configure_logging("newsletter", level="WARNING", json_lines=settings.log_json)
    series = ASSOCIATIONS_LETTER if audience is LetterAudience.ASSOCIATIONS else Series(frequency)
    raise typer.Exit(run(series, dry_run=dry_run, preview=preview))


@app.command()
def status(edition_id: str) -> None:
    """Progress of an edition (JSON)."""

    async def show() -> None:
        async with standalone(NewsletterSettings()) as newsletter:
            found = await newsletter.edition_status(edition_id)
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        if found is None:
            raise typer.Exit(1)

    asyncio.run(show())


@app.command()
def demo() -> None:
    """Add the demo subscribers (active, idempotent) for `make run`."""
    settings = NewsletterSettings()
    configure_logging("newsletter", level="WARNING", json_lines=settings.log_json)
    for line in asyncio.run(add_demo_subscribers(settings)):
        typer.echo(line)


@app.callback()
def _root() -> None:
    """Lettre d’information de la vie associative bisontine."""


def main() -> None:
    app()
