"""Sign-in sessions on the annuaire (issue 12, item 6): the cookie holds a random session id,
the session lives in NATS (`annuaire_sessions`), signing out deletes it, it expires, and it
ends when the association's token changes. Real HTTP (ASGI) on the real nats-server."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import unquote

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.annuaire.conftest import Client, running_annuaire
from tests.support.pages import assert_french_page

pytestmark = pytest.mark.nats

ASSOCIATION_SPACE = "/espace-association"
CITY_SPACE = "/espace-ville"


def token_of(auth: dict[str, str]) -> str:
    return auth["Authorization"].removeprefix("Bearer ")


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """{name: value} of the response's Set-Cookie headers."""
    found: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        for name, morsel in SimpleCookie(header).items():
            found[name] = morsel.value
    return found


async def association_signed_in(annuaire: Client) -> tuple[str, str, dict[str, str]]:
    """A validated association signed in on `annuaire.http`: slug, token, cookies set."""
    slug, auth = await annuaire.validated()
    answer = await annuaire.http.post(
        f"{ASSOCIATION_SPACE}/connexion", data={"slug": slug, "token": token_of(auth)}
    )
    assert answer.status_code == 303, answer.text
    return slug, token_of(auth), set_cookies(answer)


async def city_signed_in(annuaire: Client) -> dict[str, str]:
    token = annuaire.settings.admin_token.get_secret_value()
    answer = await annuaire.http.post(f"{CITY_SPACE}/connexion", data={"token": token})
    assert answer.status_code == 303, answer.text
    return set_cookies(answer)


def another_browser(annuaire: Client, cookies: dict[str, str]) -> httpx.AsyncClient:
    """An attacker's client replaying copied cookies."""
    transport = httpx.ASGITransport(app=annuaire.app)
    return httpx.AsyncClient(
        transport=transport, base_url=str(annuaire.http.base_url), cookies=cookies
    )


async def test_a_copied_association_cookie_is_refused_after_sign_out(annuaire: Client) -> None:
    _, _, stolen = await association_signed_in(annuaire)
    async with another_browser(annuaire, stolen) as thief:
        assert (await thief.get(ASSOCIATION_SPACE)).status_code == 200  # works while signed in
        out = await annuaire.http.post(f"{ASSOCIATION_SPACE}/deconnexion")
        assert out.status_code == 303
        replay = await thief.get(ASSOCIATION_SPACE)
        assert "reconnectez-vous" in assert_french_page(replay, status=403)
        edit = await thief.post(f"{ASSOCIATION_SPACE}/fiche", data={"name": "Détournée"})
        assert edit.status_code == 403


async def test_a_copied_city_cookie_is_refused_after_sign_out(annuaire: Client) -> None:
    stolen = await city_signed_in(annuaire)
    async with another_browser(annuaire, stolen) as thief:
        assert (await thief.get(CITY_SPACE)).status_code == 200
        out = await annuaire.http.post(f"{CITY_SPACE}/deconnexion")
        assert out.status_code == 303
        assert_french_page(await thief.get(CITY_SPACE), status=403)


async def test_the_city_cookie_does_not_hold_the_admin_token(annuaire: Client) -> None:
    token = annuaire.settings.admin_token.get_secret_value()
    cookies = await city_signed_in(annuaire)
    assert cookies
    for value in cookies.values():
        assert token not in unquote(value)
        assert hashlib.sha256(token.encode()).hexdigest() not in value


async def test_the_association_cookie_does_not_hold_its_token(annuaire: Client) -> None:
    _, token, cookies = await association_signed_in(annuaire)
    assert cookies
    assert all(token not in unquote(value) for value in cookies.values())


async def test_following_a_sign_out_link_signs_no_one_out(annuaire: Client) -> None:
    await association_signed_in(annuaire)
    asked = await annuaire.http.get(f"{ASSOCIATION_SPACE}/deconnexion")
    html = assert_french_page(asked)
    assert 'method="post"' in html
    assert "Se déconnecter" in html
    assert "set-cookie" not in asked.headers
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 200


async def test_a_session_expires_after_its_lifetime(annuaire: Client) -> None:
    await association_signed_in(annuaire)
    await city_signed_in(annuaire)
    annuaire.clock.advance(timedelta(hours=8, seconds=1))
    assert (await annuaire.http.get(CITY_SPACE)).status_code == 403
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 200
    annuaire.clock.advance(timedelta(days=7) - timedelta(hours=8))
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 403


async def test_a_session_ends_when_the_token_is_issued_again_or_the_association_archived(
    annuaire: Client,
) -> None:
    slug, _, cookies = await association_signed_in(annuaire)
    issued = await annuaire.http.post(f"/api/associations/{slug}/token", headers=annuaire.admin)
    assert issued.status_code == 200, issued.text
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 403
    # signed in again with the new token, then archived by the city
    again = await annuaire.http.post(
        f"{ASSOCIATION_SPACE}/connexion", data={"slug": slug, "token": issued.json()["token"]}
    )
    assert again.status_code == 303
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 200
    archived = await annuaire.http.post(f"/api/associations/{slug}/archive", headers=annuaire.admin)
    assert archived.status_code == 200, archived.text
    assert (await annuaire.http.get(ASSOCIATION_SPACE)).status_code == 403
    assert cookies  # the first cookie was a session too


async def test_the_bucket_holds_only_the_hash_of_the_session_id(
    annuaire: Client, js: JetStreamContext
) -> None:
    _, _, cookies = await association_signed_in(annuaire)
    (session_id,) = cookies.values()
    kv = await js.key_value("annuaire_sessions")
    with pytest.raises(KeyNotFoundError):
        await kv.get(session_id)
    entry = await kv.get(hashlib.sha256(session_id.encode()).hexdigest())
    assert entry.value is not None
    assert session_id.encode() not in entry.value
    await annuaire.http.post(f"{ASSOCIATION_SPACE}/deconnexion")
    with pytest.raises(KeyNotFoundError):
        await kv.get(hashlib.sha256(session_id.encode()).hexdigest())


async def test_sessions_survive_a_restart_of_the_service(nats_url: str) -> None:
    async with running_annuaire(nats_url) as first:
        _, _, association = await association_signed_in(first)
        city = await city_signed_in(first)
        admin_token = first.settings.admin_token.get_secret_value()
    async with (
        running_annuaire(nats_url, admin_token=admin_token) as restarted,
        another_browser(restarted, association | city) as browser,
    ):
        assert (await browser.get(ASSOCIATION_SPACE)).status_code == 200
        assert (await browser.get(CITY_SPACE)).status_code == 200


async def test_host_prefixed_secure_cookies_behind_https(nats_url: str) -> None:
    public = {"public_base_url": "https://vie-associative.example.fr"}
    async with running_annuaire(nats_url, **public) as annuaire:
        transport = httpx.ASGITransport(app=annuaire.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://vie-associative.example.fr"
        ) as browser:
            annuaire.http = browser
            slug, auth = await annuaire.validated()
            answer = await browser.post(
                f"{ASSOCIATION_SPACE}/connexion", data={"slug": slug, "token": token_of(auth)}
            )
            header = answer.headers["set-cookie"]
            assert header.startswith("__Host-vieasso_association=")
            lowered = header.lower()
            for attribute in ("secure", "httponly", "path=/", "samesite=lax"):
                assert attribute in lowered
            assert "domain=" not in lowered
            assert (await browser.get(ASSOCIATION_SPACE)).status_code == 200
            city = await browser.post(
                f"{CITY_SPACE}/connexion",
                data={"token": annuaire.settings.admin_token.get_secret_value()},
            )
            assert city.headers["set-cookie"].startswith("__Host-vieasso_admin=")
            assert (await browser.get(CITY_SPACE)).status_code == 200
            out = await browser.post(f"{CITY_SPACE}/deconnexion")
            for cleared in out.headers.get_list("set-cookie"):
                assert cleared.startswith("__Host-")
                assert "secure" in cleared.lower()
            assert (await browser.get(CITY_SPACE)).status_code == 303
