"""The mails the annuaire asks the newsletter for (issue 13, item 3), read from the COURRIER
queue: the welcome at validation (its link signs in), the refusal with its reason, a token
issued or revoked (by the city or from the association space), a mission closed by the
sweeper; a request that cannot be published fails the action (503) and its retry asks it
again under the same key. Real HTTP (ASGI) on the real nats-server."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import nats
import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, mission_body, running_annuaire
from tests.support.courrier import requests_for
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from vieasso.annuaire.handlers.missions import close_expired_missions
from vieasso.common.nats.provisioning import provision

pytestmark = pytest.mark.nats

SPACE = "/espace-association"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def browser_of(annuaire: Client) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=annuaire.app)
    return httpx.AsyncClient(transport=transport, base_url=str(annuaire.http.base_url))


@asynccontextmanager
async def signed_in_by_link(
    annuaire: Client, js: JetStreamContext
) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """A validated association, signed in on a browser of its own through its welcome link."""
    slug, _ = await annuaire.validated()
    (welcome,) = await requests_for(js, "annuaire", slug)
    async with browser_of(annuaire) as browser:
        used = await browser.post(urlsplit(welcome["params"]["link"]).path)
        assert used.status_code == 303, used.text
        yield slug, browser


@asynccontextmanager
async def city_browser(annuaire: Client) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_of(annuaire) as browser:
        token = annuaire.settings.admin_token.get_secret_value()
        signed = await browser.post("/espace-ville/connexion", data={"token": token})
        assert signed.status_code == 303
        yield browser


async def test_validation_asks_the_welcome_mail_whose_link_signs_in_for_7_days(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug = (await annuaire.register())["slug"]
    async with city_browser(annuaire) as city:
        page = await city.post(f"/espace-ville/associations/{slug}/valider")
        assert_french_page(page)
    (welcome,) = await requests_for(js, "annuaire", slug)
    assert welcome["template"] == "bienvenue"
    assert welcome["key"] == f"validation.{slug}"
    assert welcome["to"] == {"association": slug}
    assert welcome["params"]["valid_until"].startswith("2026-03-23T09:00")
    assert not EMAIL.search(welcome["_raw"])
    annuaire.clock.advance(timedelta(days=6, hours=23))
    async with browser_of(annuaire) as browser:
        path = urlsplit(welcome["params"]["link"]).path
        assert_french_page(await browser.get(path))
        assert (await browser.post(path)).status_code == 303
        assert (await browser.get(SPACE)).status_code == 200
        assert_french_page(await browser.post(path), status=410)


async def test_a_welcome_link_expires_after_7_days(annuaire: Client, js: JetStreamContext) -> None:
    slug, _ = await annuaire.validated()
    (welcome,) = await requests_for(js, "annuaire", slug)
    annuaire.clock.advance(timedelta(days=7, seconds=1))
    async with browser_of(annuaire) as browser:
        path = urlsplit(welcome["params"]["link"]).path
        assert_french_page(await browser.post(path), status=410)


async def test_a_failed_welcome_request_fails_the_validation_and_its_retry_asks_it_again(
    own_nats: NatsServer,
) -> None:
    async with running_annuaire(own_nats.url, nats_publish_timeout=1.0) as annuaire:
        slug = (await annuaire.register())["slug"]
        nc = await nats.connect(own_nats.url)
        try:
            own_js = nc.jetstream()
            await own_js.delete_stream("COURRIER")  # the queue is gone: the request cannot land
            failed = await annuaire.http.post(
                f"/api/associations/{slug}/validate", headers=annuaire.admin
            )
            assert failed.status_code == 503, failed.text
            await provision(own_js, 1)
            again = await annuaire.http.post(
                f"/api/associations/{slug}/validate", headers=annuaire.admin
            )
            assert again.status_code == 409
            again_twice = await annuaire.http.post(
                f"/api/associations/{slug}/validate", headers=annuaire.admin
            )
            assert again_twice.status_code == 409
            found = await requests_for(own_js, "annuaire", slug)
            # the second retry was within the duplicate window: same key, same id, dropped
            assert [r["key"] for r in found] == [f"validation.{slug}"]
            async with browser_of(annuaire) as browser:
                used = await browser.post(urlsplit(found[0]["params"]["link"]).path)
                assert used.status_code == 303
        finally:
            await nc.close()


async def test_the_city_refuses_a_registration_with_a_reason_mailed_to_the_contact(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug = (await annuaire.register())["slug"]
    async with city_browser(annuaire) as city:
        form = await city.post(f"/espace-ville/associations/{slug}/refuser")
        assert "Motif du refus" in assert_french_page(form)
        empty = await city.post(f"/espace-ville/associations/{slug}/refuser", data={"motif": " "})
        assert "Indiquez le motif" in assert_french_page(empty, status=422)
        reason = "Votre siège n’est pas à Besançon : voyez l’annuaire du Grand Besançon."
        done = await city.post(f"/espace-ville/associations/{slug}/refuser", data={"motif": reason})
        assert done.status_code == 303
        listed = await city.get(done.headers["location"])
        assert "L’inscription est refusée" in assert_french_page(listed)
        twice = await city.post(f"/espace-ville/associations/{slug}/refuser", data={"motif": "x"})
        assert "déjà refusée" in assert_french_page(twice, status=409)
    (refusal,) = await requests_for(js, "annuaire", slug)
    assert refusal["template"] == "inscription-refusee"
    assert refusal["key"] == f"refus.{slug}"
    assert refusal["params"] == {"reason": reason}
    detail = await annuaire.http.get(f"/api/associations/{slug}", headers=annuaire.admin)
    assert detail.json()["state"] == "archived"
    assert (await annuaire.http.get(f"/associations/{slug}")).status_code == 404


async def test_the_refusal_api_checks_the_reason_and_the_state(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    url = f"/api/associations/{slug}/refuse"
    assert (await annuaire.http.post(url, json={"reason": "x"})).status_code == 401
    bad = await annuaire.http.post(url, json={"reason": ""}, headers=annuaire.admin)
    assert bad.status_code == 422
    validated = await annuaire.http.post(url, json={"reason": "Non."}, headers=annuaire.admin)
    assert validated.status_code == 409
    pending = (await annuaire.register())["slug"]
    refused = await annuaire.http.post(
        f"/api/associations/{pending}/refuse", json={"reason": "Doublon."}, headers=annuaire.admin
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["state"] == "archived"
    assert [r["params"] for r in await requests_for(js, "annuaire", pending)] == [
        {"reason": "Doublon."}
    ]


async def test_the_association_issues_and_revokes_its_token_from_its_space(
    annuaire: Client, js: JetStreamContext
) -> None:
    async with signed_in_by_link(annuaire, js) as (slug, browser):
        asked = await browser.post(f"{SPACE}/jeton")
        assert "Émettre un nouveau jeton" in assert_french_page(asked)
        issued = await browser.post(f"{SPACE}/jeton", data={"confirmation": "oui"})
        html = assert_french_page(issued)
        assert "il ne sera plus jamais affiché" in html
        token = re.search(r'id="jeton">([^<]+)<', html)
        assert token is not None
        auth = {"Authorization": f"Bearer {token.group(1)}"}
        change = {"short_name": "Nouveau"}
        edited = await annuaire.http.patch(f"/api/associations/{slug}", json=change, headers=auth)
        assert edited.status_code == 200
        assert (await browser.get(SPACE)).status_code == 200  # the link session goes on
        revoked = await browser.post(f"{SPACE}/jeton/revoquer", data={"confirmation": "oui"})
        assert revoked.status_code == 303
        shown = await browser.get(revoked.headers["location"])
        assert "Le jeton d’API est révoqué" in assert_french_page(shown)
        refused = await annuaire.http.patch(f"/api/associations/{slug}", json=change, headers=auth)
        assert refused.status_code == 401
    found = await requests_for(js, "annuaire", slug, at_least=3)
    assert [(r["template"], r["params"]) for r in found] == [
        ("bienvenue", found[0]["params"]),
        ("jeton-emis", {"by": "association"}),
        ("jeton-revoque", {"by": "association"}),
    ]


async def test_a_new_token_keeps_the_browser_that_asked_signed_in_when_it_used_a_token(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    async with browser_of(annuaire) as browser:
        token = auth["Authorization"].removeprefix("Bearer ")
        signed = await browser.post(f"{SPACE}/connexion", data={"slug": slug, "token": token})
        assert signed.status_code == 303
        issued = await browser.post(f"{SPACE}/jeton", data={"confirmation": "oui"})
        assert issued.status_code == 200
        assert (await browser.get(SPACE)).status_code == 200


async def test_a_token_issued_by_the_city_is_mailed_as_such(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    issued = await annuaire.http.post(f"/api/associations/{slug}/token", headers=annuaire.admin)
    assert issued.status_code == 200
    async with city_browser(annuaire) as city:
        assert_french_page(await city.post(f"/espace-ville/associations/{slug}/jeton"))
    found = await requests_for(js, "annuaire", slug, at_least=3)
    assert [(r["template"], r["params"]) for r in found[1:]] == [
        ("jeton-emis", {"by": "ville"}),
        ("jeton-emis", {"by": "ville"}),
    ]
    assert found[1]["key"] != found[2]["key"]


async def test_a_mission_closed_by_the_sweeper_is_mailed_once(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    body = mission_body(title="Buvette du tournoi", starts_on="2026-03-20", ends_on="2026-03-21")
    created = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=body, headers=auth
    )
    mission_id = created.json()["id"]
    annuaire.clock.advance(timedelta(days=6))
    assert mission_id in await close_expired_missions(annuaire.unit)
    assert mission_id not in await close_expired_missions(annuaire.unit)
    found = await requests_for(js, "annuaire", slug, at_least=2)
    closed = [r for r in found if r["template"] == "mission-close"]
    assert len(closed) == 1
    assert closed[0]["key"] == f"mission-close.{mission_id}"
    assert closed[0]["params"]["mission_title"] == "Buvette du tournoi"
    assert closed[0]["params"]["mission_url"].endswith(f"/missions/{mission_id}")


async def test_the_letter_choice_is_published_and_shown(
    annuaire: Client, js: JetStreamContext
) -> None:
    async with signed_in_by_link(annuaire, js) as (slug, browser):
        space = assert_french_page(await browser.get(SPACE))
        assert re.search(r'name="lettre" type="checkbox" value="oui"[^>]* checked', space)
        out = await browser.post(f"{SPACE}/lettre", data={})
        assert out.status_code == 303
        shown = assert_french_page(await browser.get(out.headers["location"]))
        assert "Vous ne recevrez plus la lettre" in shown
        assert not re.search(r'name="lettre" type="checkbox" value="oui"[^>]* checked', shown)
        back = await browser.post(f"{SPACE}/lettre", data={"lettre": "oui"})
        shown = assert_french_page(await browser.get(back.headers["location"]))
        assert re.search(r'name="lettre" type="checkbox" value="oui"[^>]* checked', shown)
    seqs, bodies = [], []
    for change in ("unsubscribed", "subscribed"):
        message = await js.get_last_msg("NEWSLETTER", f"newsletter.associations.{slug}.{change}")
        seqs.append(message.seq or 0)
        bodies.append(json.loads(message.data or b"{}"))
    assert seqs[0] < seqs[1]
    fact = bodies[0]
    assert fact["association"] == slug
    assert fact["subscribed"] is False
    assert fact["source"] == "espace-association"
    assert fact["form_version"]
