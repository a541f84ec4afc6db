"""`vieasso-annuaire demo`: the demo directory, written straight to NATS (no HTTP)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

from rich.console import Console

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.handlers.demo import DemoReport, load_demo
from vieasso.annuaire.handlers.imports import Action
from vieasso.annuaire.service import standalone

CONNECT_TIMEOUT = 15.0


def run_demo(*, count: int, missions: int, seed: int, access_path: Path | None = None) -> int:
    console = Console()
    settings = AnnuaireSettings()
    started = time.perf_counter()
    try:
        report = asyncio.run(_demo(settings, count=count, missions=missions, seed=seed))
    except TimeoutError:
        console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été chargé.[/red]")
        return 2
    a = report.associations
    console.print(
        f"Annuaire de démonstration (graine {seed}) : {len(a.results)} associations validées — "
        f"{a.count(Action.CREATED)} créées, {a.count(Action.UPDATED)} mises à jour, "
        f"{a.count(Action.UNCHANGED)} déjà à jour"
        + (f", {a.count(Action.REFUSED)} refusées" if a.count(Action.REFUSED) else "")
        + f" ; {report.missions_published} missions publiées, "
        f"{report.missions_present} déjà présentes ({time.perf_counter() - started:.1f} s).",
        soft_wrap=True,
    )
    for access in report.access:
        console.print(
            f"Jeton de démonstration de « {access.name} » ({access.slug}) : {access.token}",
            soft_wrap=True,
            highlight=False,
        )
    if access_path is not None:
        rows = [dataclasses.asdict(access) for access in report.access]
        access_path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if a.count(Action.REFUSED) else 0


async def _demo(settings: AnnuaireSettings, *, count: int, missions: int, seed: int) -> DemoReport:
    async with standalone(settings, connect_timeout=CONNECT_TIMEOUT) as app:
        return await load_demo(
            app,
            count=count,
            missions=missions,
            seed=seed,
            token_secret=settings.admin_token.get_secret_value(),
        )
