"""Signing in to the association space by a one-time link mailed to its private contact
(issue 13, item 2): the same answer whatever is asked, one mail request with no address in
it, a link that a GET never uses, that works once, expires, and opens only its own space.
Real HTTP (ASGI) on the real nats-server; the mail request read from the COURRIER queue."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, running_annuaire
from tests.support.courrier import requests_for, stored_requests
from tests.support.pages import assert_french_page

pytestmark = pytest.mark.nats

SIGN_IN = "/espace-association/connexion"
SPACE = "/espace-association"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def fresh_browser(annuaire: Client) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=annuaire.app)
    return httpx.AsyncClient(transport=transport, base_url=str(annuaire.http.base_url))


async def ask_link(annuaire: Client, text: str) -> httpx.Response:
    async with fresh_browser(annuaire) as browser:
        return await browser.post(SIGN_IN, data={"association": text})


def link_path(request: dict[str, Any]) -> str:
    return urlsplit(str(request["params"]["link"])).path


async def mailed_link(annuaire: Client, js: JetStreamContext, slug: str) -> str:
    """Ask a link for `slug` and return the path of the one mailed (its newest request)."""
    before = len(await requests_for(js, "annuaire", slug, at_least=0))
    answer = await ask_link(annuaire, slug)
    assert answer.status_code == 200, answer.text
    found = await requests_for(js, "annuaire", slug, at_least=before + 1)
    assert len(found) == before + 1
    assert found[-1]["template"] == "connexion"
    return link_path(found[-1])


def _without_echo(html: str, typed: str) -> str:
    return html.replace(typed, "")


async def test_the_sign_in_page_answers_the_same_for_unknown_pending_and_validated(
    annuaire: Client,
) -> None:
    pending = (await annuaire.register())["slug"]
    validated, _ = await annuaire.validated()
    answers = {
        typed: await ask_link(annuaire, typed)
        for typed in ("personne-ne-porte-ce-nom-zz", pending, validated)
    }
    statuses = {typed: answer.status_code for typed, answer in answers.items()}
    assert set(statuses.values()) == {200}, statuses
    bodies = {_without_echo(assert_french_page(a), typed) for typed, a in answers.items()}
    assert len(bodies) == 1
    assert "valable 15 minutes" in bodies.pop()


async def test_a_link_request_publishes_one_mail_request_without_any_address(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    welcome = await requests_for(js, "annuaire", slug)  # the validation's welcome
    assert [r["template"] for r in welcome] == ["bienvenue"]
    await ask_link(annuaire, slug)
    found = await requests_for(js, "annuaire", slug, at_least=2)
    assert [r["template"] for r in found] == ["bienvenue", "connexion"]
    request = found[1]
    assert request["to"] == {"association": slug}
    assert request["key"].startswith(f"connexion.{slug}.")
    assert request["params"]["valid_minutes"] == 15
    assert link_path(request).startswith("/espace-association/lien/")
    assert request["_headers"]["Nats-Msg-Id"] == request["message_id"]
    assert not EMAIL.search(request["_raw"]), request["_raw"]


async def test_nothing_is_mailed_for_an_unknown_or_pending_association(
    annuaire: Client, js: JetStreamContext
) -> None:
    pending = (await annuaire.register())["slug"]
    before = len(await stored_requests(js, "annuaire"))
    await ask_link(annuaire, pending)
    await ask_link(annuaire, "inconnue-de-l-annuaire")
    assert await requests_for(js, "annuaire", pending, within=0.5) == []
    assert len(await stored_requests(js, "annuaire")) == before


async def test_the_name_or_the_page_address_finds_the_association(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated(name="Les Écureuils de Chamars " + "x" * 3)
    await ask_link(annuaire, "  les ecureuils de CHAMARS xxx ")
    await ask_link(annuaire, f"https://vie-associative.example.fr/associations/{slug}/")
    found = await requests_for(js, "annuaire", slug, at_least=3)
    assert [r["template"] for r in found] == ["bienvenue", "connexion", "connexion"]


async def test_following_the_link_shows_a_button_and_never_uses_it(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    path = await mailed_link(annuaire, js, slug)
    async with fresh_browser(annuaire) as browser:
        for _ in range(3):  # a mail scanner, a preview, the person
            shown = await browser.get(path)
            html = assert_french_page(shown)
            assert 'method="post"' in html
            assert "set-cookie" not in shown.headers
        assert (await browser.get(SPACE)).status_code == 303
        used = await browser.post(path)
        assert used.status_code == 303
        assert used.headers["location"] == SPACE
        assert (await browser.get(SPACE)).status_code == 200


async def test_a_link_works_once(annuaire: Client, js: JetStreamContext) -> None:
    slug, _ = await annuaire.validated()
    path = await mailed_link(annuaire, js, slug)
    async with fresh_browser(annuaire) as browser:
        assert (await browser.post(path)).status_code == 303
    async with fresh_browser(annuaire) as other:
        again = await other.post(path)
        html = assert_french_page(again, status=410)
        assert "Demander un nouveau lien" in html
        assert "set-cookie" not in again.headers
        assert_french_page(await other.get(path), status=410)
        assert (await other.get(SPACE)).status_code == 303


async def test_an_expired_link_is_refused(annuaire: Client, js: JetStreamContext) -> None:
    slug, _ = await annuaire.validated()
    path = await mailed_link(annuaire, js, slug)
    annuaire.clock.advance(timedelta(minutes=15, seconds=1))
    async with fresh_browser(annuaire) as browser:
        assert_french_page(await browser.get(path), status=410)
        assert_french_page(await browser.post(path), status=410)
        assert (await browser.get(SPACE)).status_code == 303


async def test_a_link_of_one_association_never_opens_another(
    annuaire: Client, js: JetStreamContext
) -> None:
    a, _ = await annuaire.validated()
    b, _ = await annuaire.validated()
    path = await mailed_link(annuaire, js, a)
    async with fresh_browser(annuaire) as browser:
        assert (await browser.post(path)).status_code == 303
        space = await browser.get(SPACE)
        assert a in space.text
        assert b not in space.text
    made_up = path[: -len(path.rsplit("/", 1)[1])] + "x" * 43
    async with fresh_browser(annuaire) as browser:
        assert_french_page(await browser.post(made_up), status=410)


async def test_a_link_session_ends_when_the_association_is_archived_or_its_contact_changes(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    async with fresh_browser(annuaire) as browser:
        assert (await browser.post(await mailed_link(annuaire, js, slug))).status_code == 303
        new_token = await annuaire.http.post(
            f"/api/associations/{slug}/token", headers=annuaire.admin
        )
        assert new_token.status_code == 200
        assert (await browser.get(SPACE)).status_code == 200  # a token is for tools
        contact = {"contact": {"name": "Dominique Roy", "email": "dominique.roy@exemple.fr"}}
        changed = await annuaire.http.patch(
            f"/api/associations/{slug}", json=contact, headers=annuaire.admin
        )
        assert changed.status_code == 200, changed.text
        assert (await browser.get(SPACE)).status_code == 403
    async with fresh_browser(annuaire) as browser:
        path = await mailed_link(annuaire, js, slug)
        assert (await browser.post(path)).status_code == 303
        assert (await browser.get(SPACE)).status_code == 200
        archived = await annuaire.http.post(
            f"/api/associations/{slug}/archive", headers=annuaire.admin
        )
        assert archived.status_code == 200
        assert (await browser.get(SPACE)).status_code == 403


async def test_a_link_mailed_to_a_former_contact_opens_nothing(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    path = await mailed_link(annuaire, js, slug)
    contact = {"contact": {"name": "Dominique Roy", "email": "dominique.roy@exemple.fr"}}
    changed = await annuaire.http.patch(
        f"/api/associations/{slug}", json=contact, headers=annuaire.admin
    )
    assert changed.status_code == 200, changed.text
    async with fresh_browser(annuaire) as browser:
        assert_french_page(await browser.post(path), status=410)


async def test_links_per_association_are_limited_with_the_same_answer(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_annuaire(nats_url, signin_links_per_association=2) as annuaire:
        slug, _ = await annuaire.validated()
        answers = [await ask_link(annuaire, slug) for _ in range(4)]
        assert {a.status_code for a in answers} == {200}
        assert len({a.text for a in answers}) == 1
        found = await requests_for(js, "annuaire", slug, at_least=4, within=1.0)
        assert [r["template"] for r in found] == ["bienvenue", "connexion", "connexion"]


async def test_link_requests_per_visitor_are_limited(nats_url: str) -> None:
    async with running_annuaire(nats_url, signin_requests_per_ip=3) as annuaire:
        answers = [await ask_link(annuaire, f"inconnue-{n}") for n in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert "Retry-After" in answers[-1].headers
        assert "Trop de demandes" in assert_french_page(answers[-1], status=429)


async def test_an_empty_request_is_answered_with_a_french_field_error(annuaire: Client) -> None:
    answer = await ask_link(annuaire, "   ")
    assert "Indiquez le nom" in assert_french_page(answer, status=422)


async def test_the_token_form_still_signs_in(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    token = auth["Authorization"].removeprefix("Bearer ")
    async with fresh_browser(annuaire) as browser:
        wrong = await browser.post(SIGN_IN, data={"slug": slug, "token": "x" * 30})
        assert "incorrect" in assert_french_page(wrong, status=401)
        right = await browser.post(SIGN_IN, data={"slug": slug, "token": token})
        assert right.status_code == 303
        assert (await browser.get(SPACE)).status_code == 200
