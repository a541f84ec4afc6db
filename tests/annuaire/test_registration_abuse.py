"""Registration cannot be spammed: a limit per visitor (behind the proxy too), the city
exempt, a honeypot on the form; a refused registration stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.annuaire.conftest import Client, association_body, running_annuaire, unique_name
from tests.annuaire.test_pages_spaces import REGISTRATION

pytestmark = pytest.mark.nats

LIMIT = 2
PROXY = "172.30.80.2"  # the compose network: a trusted proxy by default


@pytest.fixture
async def annuaire(nats_url: str) -> AsyncIterator[Client]:
    async with running_annuaire(nats_url, registration_limit_per_ip=LIMIT) as client:
        yield client


def visitor(annuaire: Client, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=annuaire.app, client=(peer, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://annuaire")


def stored_names(annuaire: Client) -> set[str]:
    return {item.value.name for item in annuaire.unit.index.associations.items.values()}


async def test_registrations_beyond_the_limit_get_a_french_429_and_store_nothing(
    annuaire: Client,
) -> None:
    names = [unique_name() for _ in range(LIMIT + 1)]
    async with visitor(annuaire, "198.51.100.1") as one:
        answers = [
            await one.post("/api/associations", json=association_body(name=name)) for name in names
        ]

    assert [a.status_code for a in answers] == [201] * LIMIT + [429]
    refused = answers[-1]
    assert "Trop d'inscriptions" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= annuaire.settings.registration_window_seconds
    assert names[-1] not in stored_names(annuaire)
    assert set(names[:-1]) <= stored_names(annuaire)


async def test_each_visitor_behind_the_proxy_has_their_own_limit(annuaire: Client) -> None:
    async with visitor(annuaire, PROXY) as proxy:

        async def register(address: str) -> int:
            body = association_body(name=unique_name())
            headers = {"X-Forwarded-For": address}
            return (await proxy.post("/api/associations", json=body, headers=headers)).status_code

        assert [await register("198.51.100.7") for _ in range(LIMIT + 1)][-1] == 429
        assert await register("198.51.100.8") == 201


async def test_the_city_registers_as_many_associations_as_it_needs(annuaire: Client) -> None:
    async with visitor(annuaire, "198.51.100.2") as city:
        statuses = [
            (
                await city.post(
                    "/api/associations", json=association_body(), headers=annuaire.admin
                )
            ).status_code
            for _ in range(LIMIT + 2)
        ]

    assert statuses == [201] * (LIMIT + 2)


async def test_the_form_is_limited_too_with_a_french_page(annuaire: Client) -> None:
    async with visitor(annuaire, "198.51.100.3") as one:
        for _ in range(LIMIT):
            await one.post("/api/associations", json=association_body())
        name = unique_name()
        page = await one.post("/associations/inscription", data={**REGISTRATION, "name": name})

    assert page.status_code == 429
    assert "text/html" in page.headers["content-type"]
    assert "Trop d&#39;inscriptions" in page.text or "Trop d’inscriptions" in page.text
    assert "Retry-After" in page.headers
    assert name not in stored_names(annuaire)


async def test_the_form_has_a_honeypot_hidden_from_people(annuaire: Client) -> None:
    page = await annuaire.http.get("/associations/inscription")

    assert (
        '<div class="piege" aria-hidden="true"><label for="commentaire">Ne pas remplir</label>'
        '<input id="commentaire" name="commentaire" tabindex="-1" autocomplete="off"></div>'
    ) in page.text


async def test_a_filled_honeypot_stores_nothing_and_says_what_to_do(annuaire: Client) -> None:
    name = unique_name()
    data = {**REGISTRATION, "name": name, "commentaire": "https://spam.example"}

    page = await annuaire.http.post("/associations/inscription", data=data)

    assert page.status_code == 422
    assert "doit rester vide" in page.text
    assert name in page.text  # the typed values are kept
    assert 'value="https://spam.example"' not in page.text
    assert name not in stored_names(annuaire)
