"""Volunteer missions over real HTTP and NATS: publish, edit, fill, close, auto-close."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, mission_body, read_facts, unique_name
from vieasso.annuaire.handlers.missions import close_expired_missions

pytestmark = pytest.mark.nats


async def _publish(
    annuaire: Client, slug: str, auth: dict[str, str], **fields: object
) -> dict[str, Any]:
    response = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(**fields), headers=auth
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_validated_association_publishes_an_open_mission_with_its_fact(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth)
    assert mission["state"] == "open"
    assert mission["id"].startswith(slug)
    facts = await read_facts(js, f"annuaire.missions.{mission['id']}.>")
    assert [s for s, _ in facts] == [f"annuaire.missions.{mission['id']}.published"]
    again = await _publish(annuaire, slug, auth)
    assert again["id"] == mission["id"] + "-2"


async def test_only_the_association_itself_or_the_city_publishes_its_missions(
    annuaire: Client,
) -> None:
    slug, _ = await annuaire.validated()
    _, other = await annuaire.validated()
    url = f"/api/associations/{slug}/missions"
    assert (await annuaire.http.post(url, json=mission_body())).status_code == 401
    assert (await annuaire.http.post(url, json=mission_body(), headers=other)).status_code == 403
    by_city = await annuaire.http.post(url, json=mission_body(), headers=annuaire.admin)
    assert by_city.status_code == 201


async def test_a_pending_association_cannot_publish_missions(annuaire: Client) -> None:
    slug = (await annuaire.register())["slug"]
    response = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(), headers=annuaire.admin
    )
    assert response.status_code == 409
    assert "validée" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"starts_on": None}, "starts_on"),
        ({"kind": "reguliere", "starts_on": None, "ends_on": None}, "schedule"),
        ({"starts_on": "2026-06-21", "ends_on": "2026-06-20"}, "ends_on"),
        ({"ends_on": "2026-01-01", "starts_on": "2025-12-01"}, "ends_on"),
        ({"venue_id": "lieu-inconnu"}, "venue_id"),
        ({"themes": ["inconnu"]}, "themes.0"),
        ({"kind": "parfois"}, "kind"),
        ({"remote": "oui"}, "remote"),
        ({"places_available": -1}, "places_available"),
        ({"apply_url": "javascript:alert(1)"}, "apply_url"),
        ({"title": "Titre\r\nBcc: x"}, "title"),
        ({"title": None}, "title"),
    ],
)
async def test_bad_mission_gets_a_french_error_on_its_field(
    annuaire: Client, fields: dict[str, object], field: str
) -> None:
    slug, auth = await annuaire.validated()
    response = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(**fields), headers=auth
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


async def test_filled_mission_leaves_the_open_search_and_can_reopen(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth, title=f"Trésorier {unique_name('')}")
    url = f"/api/associations/{slug}/missions/{mission['id']}"

    async def open_ids() -> list[str]:
        response = await annuaire.http.get("/api/missions", params={"association": slug})
        return [m["id"] for m in response.json()["items"]]

    assert await open_ids() == [mission["id"]]
    filled = await annuaire.http.patch(url, json={"state": "filled"}, headers=auth)
    assert filled.json()["state"] == "filled"
    assert await open_ids() == []
    await annuaire.http.patch(url, json={"state": "open", "places_available": 3}, headers=auth)
    assert await open_ids() == [mission["id"]]
    facts = await read_facts(js, f"annuaire.missions.{mission['id']}.>", at_least=3)
    assert [s.rsplit(".", 1)[1] for s, _ in facts] == ["published", "updated", "updated"]


async def test_closing_a_mission_keeps_it_closed_for_good(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    _, other = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth)
    url = f"/api/associations/{slug}/missions/{mission['id']}"
    assert (await annuaire.http.delete(url, headers=other)).status_code == 403
    closed = await annuaire.http.delete(url, headers=auth)
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"]
    assert (await annuaire.http.patch(url, json={"state": "open"}, headers=auth)).status_code == 409
    assert (await annuaire.http.delete(url, headers=auth)).status_code == 409
    facts = await read_facts(js, f"annuaire.missions.{mission['id']}.closed")
    assert facts[0][1]["mission"]["state"] == "closed"


async def test_mission_of_another_association_is_not_found_under_this_one(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    other, other_auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth)
    url = f"/api/associations/{other}/missions/{mission['id']}"
    assert (await annuaire.http.get(url)).status_code == 404
    assert (await annuaire.http.delete(url, headers=other_auth)).status_code == 404


async def test_mission_is_closed_automatically_after_its_end_date(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth, starts_on="2026-03-20", ends_on="2026-03-21")
    assert mission["id"] not in await close_expired_missions(annuaire.unit)
    annuaire.clock.advance(timedelta(days=5))
    assert mission["id"] not in await close_expired_missions(annuaire.unit)  # its last day
    annuaire.clock.advance(timedelta(days=1))
    assert mission["id"] in await close_expired_missions(annuaire.unit)
    detail = await annuaire.http.get(f"/api/associations/{slug}/missions/{mission['id']}")
    assert detail.json()["state"] == "closed"
    facts = await read_facts(js, f"annuaire.missions.{mission['id']}.closed")
    assert len(facts) == 1


async def test_the_periodic_sweeper_closes_expired_missions(
    annuaire_fast_sweep: Client,
) -> None:
    annuaire = annuaire_fast_sweep
    slug, auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth, starts_on="2026-03-20", ends_on="2026-03-21")
    annuaire.clock.advance(timedelta(days=6))
    url = f"/api/associations/{slug}/missions/{mission['id']}"
    for _ in range(100):
        if (await annuaire.http.get(url)).json()["state"] == "closed":
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the sweeper did not close the expired mission")


async def test_archiving_an_association_closes_its_missions(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    mission = await _publish(annuaire, slug, auth)
    await annuaire.http.post(f"/api/associations/{slug}/archive", headers=annuaire.admin)
    assert annuaire.unit.index.mission(mission["id"]).state == "closed"  # type: ignore[union-attr]


async def test_mission_search_filters(annuaire: Client) -> None:
    tag = unique_name("").strip()
    slug, auth = await annuaire.validated(themes=["culture"], quartier="battant")
    at_venue = await _publish(
        annuaire, slug, auth, title=f"Régie son {tag}", venue_id="kursaal", remote="non",
        open_to_minors=True,
    )  # fmt: skip
    remote = await _publish(
        annuaire, slug, auth, title=f"Rédaction gazette {tag}", kind="reguliere",
        schedule="le mardi soir", starts_on=None, ends_on=None, remote="total",
        themes=["numerique"], quartier="planoise-chateaufarine",
    )  # fmt: skip

    async def ids(**params: str) -> list[str]:
        response = await annuaire.http.get("/api/missions", params={"q": tag, **params})
        assert response.status_code == 200, response.text
        return sorted(m["id"] for m in response.json()["items"])

    both = sorted([at_venue["id"], remote["id"]])
    assert await ids() == both
    assert await ids(q=f"regie {tag}") == [at_venue["id"]]
    assert await ids(kind="reguliere") == [remote["id"]]
    assert await ids(remote="total") == [remote["id"]]
    assert await ids(open_to_minors="true") == [at_venue["id"]]
    assert await ids(theme="culture") == [at_venue["id"]]
    assert await ids(theme="numerique") == [remote["id"]]
    kursaal = annuaire.unit.index.venues.items["kursaal"].value.quartier or ""
    assert at_venue["id"] in await ids(quartier=kursaal)
    assert await ids(quartier="planoise-chateaufarine") == [remote["id"]]
    bad = await annuaire.http.get("/api/missions", params={"kind": "parfois"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "kind"
