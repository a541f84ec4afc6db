"""The catalogue in ``ressources_catalogue``: round trip through the bucket, one fact per
change with a deterministic id, rooms only on the directory's venues, admin-only writes."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.ressources.catalogue_app import (
    model_body,
    new_id,
    put_venue,
    read_facts,
    room_body,
    running_ressources,
)
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters.catalogue import BUCKET, CatalogueStore
from vieasso.ressources.domain.catalogue import EquipmentModel

pytestmark = pytest.mark.nats


async def test_model_round_trip_and_one_fact_per_change(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id = new_id("barnum")
    async with running_ressources(nats_url) as client:
        put = await client.http.put(
            f"/api/catalogue/materiel/{model_id}", json=model_body(), headers=client.admin
        )
        assert put.status_code == 200, put.text
        again = await client.http.put(
            f"/api/catalogue/materiel/{model_id}", json=model_body(), headers=client.admin
        )
        assert again.json() == put.json()  # unchanged: not written, not announced
        got = await client.http.get(f"/api/catalogue/materiel/{model_id}")
        assert got.json() == put.json()
        assert got.json()["notice"] == {"min_days": 21, "max_days": 92}

        # another process reading the bucket from scratch
        assert await read_afresh(js, model_id) == EquipmentModel.model_validate(put.json())

        archived = await client.http.put(
            f"/api/catalogue/materiel/{model_id}",
            json=model_body(state="archived"),
            headers=client.admin,
        )
        assert archived.json()["state"] == "archived"
        listing = (await client.http.get("/api/catalogue")).json()
        assert model_id not in {m["id"] for m in listing["materiel"]}

    facts = await read_facts(js, f"ressources.catalogue.{model_id}.>")
    assert [f["subject"].rsplit(".", 1)[1] for f in facts] == ["upserted", "archived"]
    assert facts[0]["entry"] == {
        "id": model_id,
        "kind": "materiel",
        "name": "Barnum 3 × 3 m",
        "category": "barnums",
        "stock": 12,
        "venue_id": None,
    }
    assert all(uuid.UUID(f["msg_id"]) == uuid.UUID(f["message_id"]) for f in facts)
    assert uuid.UUID(facts[0]["message_id"]).version == 5  # deterministic


async def test_room_on_an_unknown_venue_is_refused_and_nothing_is_stored(
    nats_url: str, js: JetStreamContext
) -> None:
    room_id = new_id("salle")
    async with running_ressources(nats_url) as client:
        refused = await client.http.put(
            f"/api/catalogue/salles/{room_id}",
            json=room_body("lieu-qui-n-existe-pas"),
            headers=client.admin,
        )
        assert refused.status_code == 422
        errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
        assert errors == {"venue_id": "Lieu inconnu de l'annuaire : « lieu-qui-n-existe-pas »."}
        archived_venue = await put_venue(js, client, archived=True)
        refused = await client.http.put(
            f"/api/catalogue/salles/{room_id}",
            json=room_body(archived_venue.id),
            headers=client.admin,
        )
        assert refused.status_code == 422
        assert "est archivé dans l'annuaire" in refused.json()["errors"][0]["message"]
        assert (await client.http.get(f"/api/catalogue/salles/{room_id}")).status_code == 404
    with pytest.raises(KeyNotFoundError):
        await (await js.key_value(BUCKET)).get(f"room.{room_id}")
    assert await read_facts(js, f"ressources.catalogue.{room_id}.>") == []


async def test_room_on_a_directory_venue_is_stored_and_announced_with_its_venue(
    nats_url: str, js: JetStreamContext
) -> None:
    room_id = new_id("salle")
    async with running_ressources(nats_url) as client:
        venue = await put_venue(js, client)
        put = await client.http.put(
            f"/api/catalogue/salles/{room_id}", json=room_body(venue.id), headers=client.admin
        )
        assert put.status_code == 200, put.text
        assert put.json()["opening"] == {"1": ["matin", "apres-midi"], "6": ["matin"]}
        clash = await client.http.put(
            f"/api/catalogue/materiel/{room_id}", json=model_body(), headers=client.admin
        )
        assert clash.status_code == 422  # one id per entry: it names the subjects
        assert clash.json()["errors"][0]["field"] == "id"
    facts = await read_facts(js, f"ressources.catalogue.{room_id}.>")
    assert [f["entry"]["venue_id"] for f in facts] == [venue.id]


async def test_writes_need_the_city_s_token(nats_url: str) -> None:
    model_id = new_id("sono")
    async with running_ressources(nats_url) as client:
        path = f"/api/catalogue/materiel/{model_id}"
        anonymous = await client.http.put(path, json=model_body())
        assert anonymous.status_code == 401
        wrong = await client.http.put(
            path, json=model_body(), headers={"Authorization": "Bearer pas-le-bon"}
        )
        assert wrong.status_code == 403
        invalid = await client.http.put(
            path,
            json=model_body(stock=-1, notice={"min_days": 30, "max_days": 10}),
            headers=client.admin,
        )
        assert invalid.status_code == 422
        errors = {e["field"]: e["message"] for e in invalid.json()["errors"]}
        assert errors == {
            "stock": "La valeur doit être supérieure ou égale à 0.",
            "notice": "Le délai maximal doit être supérieur ou égal au délai minimal.",
        }
        script = await client.http.put(
            path, json=model_body(photo_url="javascript:alert(1)"), headers=client.admin
        )
        assert script.status_code == 422
        assert script.json()["errors"][0]["field"] == "photo_url"
        assert (await client.http.get(path)).status_code == 404


async def test_the_city_s_closed_days_are_stored_and_close_the_calendar(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        body = {"days": [{"day": "2027-05-07", "reason": "Pont de l'Ascension"}]}
        put = await client.http.put("/api/catalogue/fermetures", json=body, headers=client.admin)
        assert put.status_code == 200, put.text
        calendar = client.catalogue.calendar()
        assert calendar.reason(date(2027, 5, 7)) == "Fermeture : Pont de l'Ascension"
        assert (await client.http.get("/api/catalogue/fermetures")).json() == body
        await client.http.put("/api/catalogue/fermetures", json={"days": []}, headers=client.admin)


@pytest.mark.parametrize("blank", ["\t", " ", " \u2028 ", "\u00a0"])
async def test_a_blank_name_is_refused_and_the_stored_entry_stays_readable(
    nats_url: str, js: JetStreamContext, blank: str
) -> None:
    """Found by schemathesis: a name of one tab passed `min_length=1`, was stripped to "" and
    stored; the stored entry then failed its own validation (unreadable, gone from the
    catalogue). Now the blank name is refused in French and the entry is kept as it was."""
    model_id = new_id("barnum")
    async with running_ressources(nats_url) as client:
        url = f"/api/catalogue/materiel/{model_id}"
        put = await client.http.put(url, json=model_body(), headers=client.admin)
        assert put.status_code == 200, put.text
        for body in (model_body(name=blank), model_body(storage_place=blank)):
            refused = await client.http.put(url, json=body, headers=client.admin)
            assert refused.status_code == 422, refused.text
            assert all("caractère" in e["message"] for e in refused.json()["errors"])
        assert (await client.http.get(url)).json() == put.json()

        # the bucket read from scratch: the entry is readable, as it was
        assert await read_afresh(js, model_id) == EquipmentModel.model_validate(put.json())


async def read_afresh(js: JetStreamContext, model_id: str) -> object:
    """The model as another process reads it, loading the bucket from scratch."""
    other = CatalogueStore()
    await other.open(js)
    try:
        stored = other.get(ResourceKind.EQUIPMENT, model_id)
        assert stored is not None
        return stored.value
    finally:
        await other.close()
