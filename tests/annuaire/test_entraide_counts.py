"""The home page's counts of open annonces between associations (issue 17): the ressources
app publishes, closes, hides and expires annonces through its own use cases on a
nats-server of their own; the annuaire, another app on the same server, counts them from
the facts alone (no HTTP between them), keeps them across a restart, and sends a fact it
cannot read to the dead letters without stopping."""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import nats
import pytest

from tests.annuaire.conftest import NOW, Client, running_annuaire
from tests.ressources.catalogue_app import Client as RessourcesClient
from tests.ressources.entraide_support import entraide_of, running_entraide
from tests.support.nats_server import NatsServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.annonces import AnnonceDirection, AnnonceKind
from vieasso.ressources.domain.annonces import Annonce, Draft
from vieasso.ressources.handlers.annonces import Entraide

pytestmark = [pytest.mark.nats, pytest.mark.timeout(180)]

SECTION = re.compile(r'<section class="entraide".*?</section>', re.S)


@dataclass
class Both:
    ressources: RessourcesClient
    annuaire: Client
    nats_url: str

    @property
    def entraide(self) -> Entraide:
        return entraide_of(self.ressources)

    async def publish(
        self, kind: AnnonceKind, direction: AnnonceDirection, expires_in: int = 30
    ) -> Annonce:
        draft = Draft(
            direction=direction,
            kind=kind,
            title=f"Annonce {secrets.token_hex(3)}",
            description="Une annonce entre associations.",
            expires_on=(NOW + timedelta(days=expires_in)).date(),
        )
        return await self.entraide.publish_annonce("asso-compteurs", draft)

    async def section(self, annuaire: Client | None = None) -> str:
        page = await (annuaire or self.annuaire).http.get("/")
        assert page.status_code == 200
        found = SECTION.search(page.text)
        assert found is not None, "no entraide section on the home page"
        return found.group(0)

    async def shows(self, *lines: str) -> str:
        """Poll the home page until its entraide section says exactly `lines`, one per kind."""
        seen: list[str] = []

        async def check() -> bool:
            section = await self.section()
            seen[:] = [
                " ".join(html.unescape(re.sub(r"<[^>]+>", "", li)).split())
                for li in re.findall(r"<li>(.*?)</li>", section, re.S)
            ]
            return seen == list(lines)

        deadline = asyncio.get_running_loop().time() + 20.0
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"home page shows {seen}, expected {list(lines)}")
            await asyncio.sleep(0.05)
        return await self.section()


@pytest.fixture
async def both(own_nats: NatsServer) -> AsyncIterator[Both]:
    clock = FrozenClock(NOW)
    async with (
        running_entraide(own_nats.url, clock) as ressources,
        running_annuaire(own_nats.url) as annuaire,
    ):
        yield Both(ressources, annuaire, own_nats.url)


async def test_publish_close_hide_and_expiry_change_the_counts_and_a_restart_keeps_them(
    both: Both,
) -> None:
    empty = await both.section()
    assert "Aucune annonce ouverte" in empty
    materiel = [
        await both.publish(AnnonceKind.MATERIEL, AnnonceDirection.OFFRE),
        await both.publish(AnnonceKind.MATERIEL, AnnonceDirection.OFFRE),
        await both.publish(AnnonceKind.MATERIEL, AnnonceDirection.BESOIN),
    ]
    local = await both.publish(AnnonceKind.LOCAL, AnnonceDirection.BESOIN)
    transport = await both.publish(AnnonceKind.TRANSPORT, AnnonceDirection.OFFRE, expires_in=1)
    section = await both.shows(
        "Matériel : 2 offres, 1 besoin",
        "Local : 0 offre, 1 besoin",
        "Transport : 1 offre, 0 besoin",
    )
    ressources = both.annuaire.settings.public_url("ressources")
    assert f'href="{ressources}/entraide?type=materiel&amp;sens=offre"' in section
    assert f'href="{ressources}/entraide?type=local&amp;sens=besoin"' in section
    assert "type=local&amp;sens=offre" not in section  # « 0 offre »: nothing to link to
    # The links' filters are those of the ressources' list: the two offers, not the need.
    listed = (await both.ressources.http.get("/entraide?type=materiel&sens=offre")).text
    assert [a.title in listed for a in materiel] == [True, True, False]

    await both.entraide.close("asso-compteurs", materiel[0].id)
    await both.entraide.hide(local.id, "Hors sujet")
    await both.shows("Matériel : 1 offre, 1 besoin", "Transport : 1 offre, 0 besoin")

    both.ressources.clock.advance(timedelta(days=2))  # the transport offer's expiry passed
    assert await both.entraide.close_expired() == [transport.id]
    before = await both.shows("Matériel : 1 offre, 1 besoin")

    async with running_annuaire(both.nats_url) as restarted:  # healthy: counts replayed
        assert await both.section(restarted) == before


async def test_a_fact_the_annuaire_cannot_read_goes_to_the_dead_letters_and_counting_goes_on(
    both: Both,
) -> None:
    client = await nats.connect(both.nats_url)
    try:
        js = client.jetstream()
        forged = "ressources.annonces.asso-a.published"
        await js.publish(forged, b'{"annonce": "not an annonce"}')
        await both.publish(AnnonceKind.COMPETENCE, AnnonceDirection.OFFRE)
        await both.shows("Compétences : 1 offre, 0 besoin")
        letters = await js.pull_subscribe(f"deadletter.annuaire.{forged}", stream="DEADLETTER")
        letter = json.loads((await letters.fetch(1, timeout=10))[0].data)
        assert letter["original_subject"] == forged
        assert letter["service"] == "annuaire"
    finally:
        await client.close()
