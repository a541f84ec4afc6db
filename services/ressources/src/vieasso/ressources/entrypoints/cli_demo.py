"""`vieasso-ressources demo`: the demo catalogue, written straight to NATS (no HTTP)."""

from __future__ import annotations

import asyncio

from nats.js import JetStreamContext
from rich.console import Console

from vieasso.common.clock import SystemClock
from vieasso.common.web import site_urls
from vieasso.ressources.adapters.annonces import AnnonceStore
from vieasso.ressources.catalogue_service import standalone
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.handlers.annonces import SERVICE, Entraide
from vieasso.ressources.handlers.annonces_demo import AnnoncesReport, load_demo_annonces
from vieasso.ressources.handlers.catalogue import Catalogue
from vieasso.ressources.handlers.catalogue_demo import DemoReport, load_demo
from vieasso.ressources.handlers.loans_demo import LoansReport, load_demo_loans
from vieasso.ressources.service import RessourcesService

CONNECT_TIMEOUT = 15.0


def run_demo() -> int:
    """0 when everything is in the catalogue; 1 if an entry was refused (a room's venue not
    in the directory yet: start the annuaire first, it seeds its reference venues); 2 when
    NATS cannot be reached."""
    console = Console()
    settings = RessourcesSettings()
    try:
        report, loans, annonces = asyncio.run(_demo(settings))
    except TimeoutError:
        console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été chargé.[/red]")
        return 2
    console.print(
        f"Catalogue de démonstration : {report.written} fiches écrites, "
        f"{report.unchanged} déjà à jour"
        + (f", {len(report.refused)} refusées." if report.refused else "."),
        soft_wrap=True,
        highlight=False,
    )
    for entry_id, reason in report.refused.items():
        console.print(f"  {entry_id} : {reason}", soft_wrap=True, highlight=False)
    if loans.already:
        console.print("Prêts de démonstration : déjà chargés.", highlight=False)
    else:
        console.print(f"Prêts de démonstration : {loans.made} demandes.", highlight=False)
    for reason in loans.refused:
        console.print(f"  {reason}", soft_wrap=True, highlight=False)
    if annonces.already:
        console.print("Annonces d'entraide de démonstration : déjà chargées.", highlight=False)
    else:
        console.print(f"Annonces d'entraide de démonstration : {annonces.made}.", highlight=False)
    for reason in annonces.refused:
        console.print(f"  {reason}", soft_wrap=True, highlight=False)
    return 1 if report.refused else 0


async def _demo(settings: RessourcesSettings) -> tuple[DemoReport, LoansReport, AnnoncesReport]:
    async with standalone(settings, connect_timeout=CONNECT_TIMEOUT) as (catalogue, js):
        report = await load_demo(catalogue)
        # the loans go through the same use cases as the pages (rules, stock, facts, mails)
        service = RessourcesService(
            settings, catalogue.publish, SystemClock(),
            directory=catalogue.directory, closed=catalogue.calendar().closed,
        )  # fmt: skip
        try:
            unit = await service.start(js, background=False)
            loans = await load_demo_loans(
                unit, catalogue.directory.associations(), existing=len(service.loans.items)
            )
        finally:
            await service.stop()
        return report, loans, await _annonces(settings, catalogue, js)


async def _annonces(
    settings: RessourcesSettings, catalogue: Catalogue, js: JetStreamContext
) -> AnnoncesReport:
    store = AnnonceStore()
    await store.start(js)
    try:
        unit = Entraide(
            store, catalogue.publish, SystemClock(), catalogue.directory,
            settings.public_url(SERVICE), site_urls(settings).annuaire,
        )  # fmt: skip
        associations = catalogue.directory.associations()
        return await load_demo_annonces(unit, associations, existing=len(store.annonces.items))
    finally:
        await store.stop()
