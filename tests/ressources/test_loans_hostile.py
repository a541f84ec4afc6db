"""A hostile or careless client on the loans API: another association's agenda event, an
event that does not exist, dates at the end of the calendar. Each gets a French answer
per field and nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext

from tests.ressources.conftest import Catalogue
from tests.ressources.loans_api_app import Api, association, basket, running_api
from tests.ressources.reservation_app import stored_event

pytestmark = pytest.mark.nats

EVENT_NOT_YOURS = "Choisissez l'un des événements à venir de votre association."


@pytest.fixture
async def api(nats_url: str, catalogue: Catalogue) -> AsyncIterator[Api]:
    async with running_api(nats_url) as running:
        yield running


async def put_event(js: JetStreamContext, slug: str, event_id: str, days: int = 12) -> None:
    kv = await js.key_value("agenda_events")
    await kv.put(f"{slug}.{event_id}", stored_event(slug, event_id, "Fête du quartier", days))


async def test_a_request_may_only_name_one_of_the_associations_own_upcoming_events(
    api: Api, catalogue: Catalogue, js: JetStreamContext
) -> None:
    barnum = await catalogue.model(2)
    slug, token = await association(js)
    other, _ = await association(js)
    await put_event(js, slug, "fete")
    await put_event(js, other, "kermesse")
    await put_event(js, slug, "passee", days=-20)  # over before the clock's day
    url = f"/api/associations/{slug}/prets"
    for event_id in ("kermesse", "inconnu", "passee"):
        body = basket((barnum.id, 1)) | {"event_id": event_id}
        refused = await api.client.post(url, json=body, headers=token)
        assert refused.status_code == 422, (event_id, refused.text)
        errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
        assert errors == {"event_id": EVENT_NOT_YOURS}, event_id
    listed = await api.client.get(url, headers=token)
    assert listed.json()["loans"] == []
    mine = await api.client.post(
        url, json=basket((barnum.id, 1)) | {"event_id": "fete"}, headers=token
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["event_id"] == "fete"


async def test_availability_at_the_end_of_the_calendar_is_refused_in_french(
    api: Api, catalogue: Catalogue
) -> None:
    await catalogue.model(2, buffer_days=2)  # its buffer would run past 31/12/9999
    century = "Choisissez une date entre 2000 et 2099."
    for du, au, wrong in (
        ("9999-12-31", "9999-12-31", {"du", "au"}),
        ("2099-12-31", "9999-12-31", {"au"}),
        ("0001-01-01", "2027-04-01", {"du"}),
    ):
        answer = await api.client.get("/api/disponibilites", params={"du": du, "au": au})
        assert answer.status_code == 422, answer.text
        fields = {e["field"]: e["message"] for e in answer.json()["errors"]}
        assert fields == dict.fromkeys(wrong, century)


async def test_the_citys_words_with_control_characters_are_refused_in_french(
    api: Api, catalogue: Catalogue, js: JetStreamContext
) -> None:
    """What the city writes goes to the association by mail, which refuses control
    characters: they are refused here, where someone can fix them."""
    barnum = await catalogue.model(2)
    slug, token = await association(js)
    asked = await api.client.post(
        f"/api/associations/{slug}/prets", json=basket((barnum.id, 1)), headers=token
    )
    loan = asked.json()["id"]
    bell = "Stock réservé\u0007 au Forum."
    for path, body in (
        ("decision", {"reason": bell}),
        ("annulation", {"reason": bell}),
        ("retour", {"lines": [], "note": bell}),
    ):
        answer = await api.client.post(f"/api/prets/{loan}/{path}", json=body, headers=api.admin)
        assert answer.status_code == 422, (path, answer.text)
        (error,) = answer.json()["errors"]
        assert error["message"] == "Ce texte contient des caractères de contrôle interdits."
    listed = await api.client.get(f"/api/associations/{slug}/prets", headers=token)
    assert listed.json()["loans"][0]["state"] == "requested"
