"""The association's reservation pages over real HTTP on the in-process service and the
session's real nats-server: dates first, then what is free, then the basket; 422 with
French messages per field and nothing stored; one association never sees nor cancels
another's request; cancelling asks first."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import running_ressources
from tests.ressources.reservation_app import (
    DAY,
    SPACE,
    association,
    basket,
    loans_of,
    stock,
    stored_event,
)
from tests.support.pages import assert_french_page
from vieasso.ressources.domain.loans import LoanState

pytestmark = pytest.mark.nats


async def test_without_a_session_the_association_is_sent_to_the_sign_in(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        page = await client.http.get(SPACE)
        assert page.status_code == 303
        assert page.headers["location"].endswith("/espace-association/connexion")
        sent = await client.http.post(SPACE, data=basket())
        html = assert_french_page(sent, 401)
        assert "/espace-association/connexion" in html


async def test_dates_first_then_what_is_free_then_the_basket_is_sent(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso = await association(js, client)
        kv = await js.key_value("agenda_events")
        await kv.put(f"{asso.slug}.fete", stored_event(asso.slug, "fete", "Fête du quartier", 26))

        first = assert_french_page(await client.http.get(SPACE, headers=asso.headers))
        assert "1. Vos dates" in first
        assert "Aucune demande pour l’instant." in first
        assert f"q-{s.barnum}" not in first  # nothing to choose before the dates

        query = urlencode({"du": DAY, "au": DAY, "debut": "matin", "fin": "matin"})
        page = assert_french_page(await client.http.get(f"{SPACE}?{query}", headers=asso.headers))
        assert "2. Disponible le samedi 10 avril 2027" in page
        assert f'name="q-{s.barnum}" type="number" min="0" max="3"' in page
        assert "3 sur 3" in page
        assert "Trop tôt : au moins 60 jours avant" in page  # the sono's notice
        assert f'name="salle" value="{s.room}"' in page
        assert '<option value="fete">Fête du quartier — 10/04/2027</option>' in page

        holiday = urlencode({"du": "2027-05-06", "au": "2027-05-07"})  # Ascension Thursday
        closed = assert_french_page(
            await client.http.get(f"{SPACE}?{holiday}", headers=asso.headers)
        )
        assert "Jour férié : Ascension" in closed
        assert "Retrait impossible le 06/05/2027 (Jour férié : Ascension)" in closed

        form = basket(**{f"q-{s.barnum}": "2", "salle": s.room, "evenement": "fete"})
        sent = await client.http.post(SPACE, data=form, headers=asso.headers)
        assert sent.status_code == 303, sent.text
        (loan,) = loans_of(client, asso.slug)
        assert loan.state is LoanState.REQUESTED
        assert loan.event_id == "fete"
        assert [(x.resource_id, x.requested) for x in loan.lines] == [(s.barnum, 2), (s.room, 1)]
        back = await client.http.get(sent.headers["location"], headers=asso.headers)
        listing = assert_french_page(back)
        assert "Votre demande est envoyée" in listing
        assert "demandée" in listing
        assert "en attente" in listing
        assert f"/espace-association/reservations/{loan.id}/annuler" in listing


@pytest.mark.parametrize(
    ("fields", "field_id", "words"),
    [
        ({"du": "pas une date"}, "f-du-erreur", "Date invalide"),
        ({"au": "2027-04-01"}, "f-au-erreur", "venir après"),
        ({}, "f-panier", "Choisissez au moins un matériel"),
        ({"q-BARNUM": "deux"}, "f-q-BARNUM-erreur", "nombre entier"),
        ({"q-BARNUM": "-1"}, "f-q-BARNUM-erreur", "nombre entier"),
        ({"q-BARNUM": "9"}, "f-q-BARNUM-erreur", "La Ville possède 3"),
        ({"q-BARNUM": "1", "du": "2027-03-20", "au": "2027-03-20"}, "f-du-erreur", "21 jours"),
        ({"q-SONO": "1"}, "f-du-erreur", "au moins 60 jours"),
        ({"q-BARNUM": "1", "evenement": "autre"}, "f-evenement-erreur", "de votre association"),
        ({"salle": "inconnue"}, "erreur", "pas au catalogue"),
        ({"q-BARNUM": "²"}, "f-q-BARNUM-erreur", "nombre entier"),  # a digit to isdigit()
        ({"q-BARNUM": "99999"}, "f-q-BARNUM-erreur", "La Ville possède 3"),
        ({"q-BARNUM": "1", "note": "a\x00b"}, "f-note-erreur", "tenir sur une ligne"),
        ({"du": "9999-12-31", "au": "9999-12-31"}, "f-du-erreur", "entre 2000 et 2099"),
    ],
)
async def test_bad_input_answers_422_with_a_french_message_by_field_and_stores_nothing(
    nats_url: str, js: JetStreamContext, fields: dict[str, str], field_id: str, words: str
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso = await association(js, client)
        typed = {
            k.replace("BARNUM", s.barnum).replace("SONO", s.sono): v for k, v in fields.items()
        }
        answer = await client.http.post(SPACE, data=basket(**typed), headers=asso.headers)
        html = assert_french_page(answer, 422)
        wanted = field_id.replace("BARNUM", s.barnum).replace("SONO", s.sono)
        assert f'id="{wanted}"' in html or f'class="{wanted}"' in html, html
        assert words in html
        assert "Le formulaire contient" in html
        assert loans_of(client, asso.slug) == []


async def test_another_association_neither_sees_nor_cancels_a_request_and_cancelling_asks_first(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        owner, other = await association(js, client), await association(js, client)
        form = basket(**{f"q-{s.barnum}": "1"})
        assert (await client.http.post(SPACE, data=form, headers=owner.headers)).status_code == 303
        (loan,) = loans_of(client, owner.slug)

        theirs = assert_french_page(await client.http.get(SPACE, headers=other.headers))
        assert loan.id not in theirs
        cancel = f"{SPACE}/{loan.id}/annuler"
        yes = {"confirmation": "oui"}
        refused = await client.http.post(cancel, data=yes, headers=other.headers)
        assert "Demande introuvable" in assert_french_page(refused, 404)
        missing = await client.http.post(f"{SPACE}/pret-inconnu/annuler", headers=owner.headers)
        assert_french_page(missing, 404)
        assert loans_of(client, owner.slug)[0].state is LoanState.REQUESTED

        asked = assert_french_page(await client.http.post(cancel, headers=owner.headers))
        assert "Annuler votre demande pour le samedi 10 avril 2027 ?" in asked
        assert loans_of(client, owner.slug)[0].state is LoanState.REQUESTED
        done = await client.http.post(cancel, data=yes, headers=owner.headers)
        assert done.status_code == 303
        assert loans_of(client, owner.slug)[0].state is LoanState.CANCELLED
        mine = assert_french_page(await client.http.get(SPACE, headers=owner.headers))
        assert "annulée" in mine
        assert cancel not in mine  # no « Annuler » once cancelled
        again = await client.http.post(cancel, data=yes, headers=owner.headers)
        assert "Annulation impossible" in assert_french_page(again, 409)


async def test_the_reservation_page_links_to_the_calendar_of_pickups_and_returns(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        asso = await association(js, client)
        page = assert_french_page(await client.http.get(SPACE, headers=asso.headers))
        link = f'href="{SPACE}/calendrier"'
        assert link in page
        assert "Calendrier de vos retraits et retours" in page
        calendar = await client.http.get(f"{SPACE}/calendrier", headers=asso.headers)
        assert "Calendrier de nos prêts" in assert_french_page(calendar)
