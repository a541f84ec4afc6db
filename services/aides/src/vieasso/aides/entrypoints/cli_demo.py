"""`vieasso-aides demo`: the demo schemes, written straight to NATS (no HTTP)."""

from __future__ import annotations

import asyncio

from rich.console import Console

from vieasso.aides.config import AidesSettings
from vieasso.aides.handlers.demo import DemoReport, load_demo, load_demo_follows
from vieasso.aides.service import standalone

CONNECT_TIMEOUT = 15.0


def run_demo() -> int:
    """0 when every demo scheme is stored; 1 if one was refused; 2 when NATS cannot be
    reached."""
    console = Console()
    settings = AidesSettings()
    try:
        report = asyncio.run(_demo(settings))
    except TimeoutError:
        console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été chargé.[/red]")
        return 2
    console.print(
        f"Dispositifs d'aide de démonstration : {report.written} écrits, "
        f"{report.unchanged} déjà à jour"
        + (f", {len(report.refused)} refusés." if report.refused else "."),
        soft_wrap=True,
        highlight=False,
    )
    for scheme_id, reason in report.refused.items():
        console.print(f"  {scheme_id} : {reason}", soft_wrap=True, highlight=False)
    if report.followers:
        console.print(
            f"Aides suivies par {', '.join(report.followers)} (réponses de démonstration).",
            soft_wrap=True,
            highlight=False,
        )
    return 1 if report.refused else 0


async def _demo(settings: AidesSettings) -> DemoReport:
    async with standalone(settings, connect_timeout=CONNECT_TIMEOUT) as service:
        unit = service.schemes()
        report = await load_demo(unit)
        report.followers = await load_demo_follows(unit, service.follows, service.directory)
        return report
