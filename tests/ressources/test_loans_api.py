"""The loans API in-process (real lifespan on the session's nats-server, httpx ASGI):
tokens, French 422 per field, 404 for another association's loan, the city's workflow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from tests.ressources.conftest import Catalogue, day
from tests.ressources.loans_api_app import Api, association, basket, running_api, wait_for

pytestmark = pytest.mark.nats


@pytest.fixture
async def api(nats_url: str, catalogue: Catalogue) -> AsyncIterator[Api]:
    async with running_api(nats_url) as running:
        yield running


async def test_association_requests_city_approves_partially_then_lends(
    api: Api, catalogue: Catalogue, js: JetStreamContext
) -> None:
    barnum = await catalogue.model(2, buffer_days=0)
    slug, token = await association(js)
    asked = await api.client.post(
        f"/api/associations/{slug}/prets", json=basket((barnum.id, 2)), headers=token
    )
    assert asked.status_code == 201, asked.text
    loan_id = asked.json()["id"]

    decided = await api.client.post(
        f"/api/prets/{loan_id}/decision", json={"granted": [1]}, headers=api.admin
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["partial"] is True
    assert decided.json()["state_label"] == "accordé"

    async def one_left() -> bool:
        free = await api.client.get(
            "/api/disponibilites",
            params={"du": day(10).isoformat(), "au": day(11).isoformat()},
        )
        entries = {e["id"]: e["free"] for e in free.json()["entries"]}
        return entries.get(barnum.id) == 1

    await wait_for(one_left)
    too_soon = await api.client.post(f"/api/prets/{loan_id}/retrait", headers=api.admin)
    assert too_soon.status_code == 409
    assert "accordé" in too_soon.json()["detail"]
    for step in ("pret", "retrait"):
        done = await api.client.post(f"/api/prets/{loan_id}/{step}", headers=api.admin)
        assert done.status_code == 200, done.text
    back = await api.client.post(
        f"/api/prets/{loan_id}/retour",
        json={"lines": [{"resource_id": barnum.id, "lost": 1}]},
        headers=api.admin,
    )
    assert back.status_code == 200, back.text
    assert back.json()["returned"]["lines"][0]["lost"] == 1
    mine = await api.client.get(f"/api/associations/{slug}/prets", headers=token)
    assert [x["state"] for x in mine.json()["loans"]] == ["returned"]


async def test_bad_requests_are_answered_in_french_per_field(
    api: Api, catalogue: Catalogue, js: JetStreamContext
) -> None:
    barnum = await catalogue.model(2, max_loan_days=2)
    slug, token = await association(js)
    url = f"/api/associations/{slug}/prets"
    shape = await api.client.post(url, json={**basket((barnum.id, 0)), "x": 1}, headers=token)
    assert shape.status_code == 422
    fields = {e["field"]: e["message"] for e in shape.json()["errors"]}
    assert "supérieure ou égale à 1" in fields["lines.0.quantity"]
    assert fields["x"] == "Ce champ n'est pas attendu."
    rules = await api.client.post(url, json=basket((barnum.id, 3), end=14), headers=token)
    assert rules.status_code == 422
    fields = {e["field"]: e["message"] for e in rules.json()["errors"]}
    assert fields["lines.0.quantity"] == "La Ville possède 2 « Barnum 3×3 m »."
    assert fields["ends_on"] == "« Barnum 3×3 m » se prête 2 jours au plus."
    sunday = await api.client.post(url, json=basket((barnum.id, 1), start=6, end=6), headers=token)
    assert sunday.json()["errors"][0]["message"] == "Le 07/03/2027 est un jour de fermeture."
    reversed_range = await api.client.get(
        "/api/disponibilites", params={"du": day(5).isoformat(), "au": day(1).isoformat()}
    )
    assert reversed_range.status_code == 422
    no_reason = await api.client.post(
        "/api/prets/pret-inconnu/decision", json={}, headers=api.admin
    )
    assert no_reason.status_code == 422


async def test_an_association_cannot_see_or_cancel_another_ones_loan(
    api: Api, catalogue: Catalogue, js: JetStreamContext
) -> None:
    barnum = await catalogue.model(2)
    slug, token = await association(js)
    other, other_token = await association(js)
    asked = await api.client.post(
        f"/api/associations/{slug}/prets", json=basket((barnum.id, 1)), headers=token
    )
    loan_id = asked.json()["id"]
    foreign = await api.client.post(
        f"/api/associations/{other}/prets/{loan_id}/annulation", headers=other_token
    )
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == "Ce prêt n'existe pas."
    assert (
        await api.client.get(f"/api/associations/{slug}/prets", headers=other_token)
    ).status_code == 403
    assert (await api.client.get(f"/api/associations/{slug}/prets")).status_code == 401
    assert (await api.client.get("/api/prets", headers=token)).status_code == 403
    cancelled = await api.client.post(
        f"/api/associations/{slug}/prets/{loan_id}/annulation", headers=token
    )
    assert cancelled.json()["state"] == "cancelled"
