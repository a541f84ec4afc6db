"""Sign-in sessions (vieasso.common.web.session) on the real nats-server: `__Host-` names
behind https and plain ones over http, a cookie holding only the session id, the bucket only
its hash, expiry, revocation, and the credential a session was opened with."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from vieasso.common.clock import FrozenClock
from vieasso.common.nats.catalogue import BUCKETS
from vieasso.common.nats.provisioning import provision
from vieasso.common.settings import Settings
from vieasso.common.web import Kind, Sessions, cookie_name
from vieasso.common.web.session_store import (
    LONGEST,
    SESSIONS,
    credential_of,
    session_key,
    token_hash,
)

pytestmark = pytest.mark.nats

STRONG = "x" * 32
HTTPS = "https://vie-associative.example.fr"
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def _client(app: FastAPI, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def _app(sessions: Sessions, association_hash: str) -> FastAPI:
    app = FastAPI()
    app.state.sessions = sessions

    @app.post("/connexion/{slug}")
    async def sign_in(slug: str, response: Response) -> dict[str, str]:
        await sessions.sign_in(response, Kind.ASSOCIATION, association_hash, slug)
        await sessions.sign_in_city(response)
        return {}

    @app.get("/qui")
    async def who(request: Request) -> dict[str, object]:
        association = await sessions.association(request)
        return {"association": association, "city": await sessions.city(request)}

    @app.post("/deconnexion")
    async def sign_out(request: Request, response: Response) -> dict[str, str]:
        await sessions.sign_out(request, response)
        return {}

    return app


async def _association(
    js: JetStreamContext, token: str | None, state: str = "validated", slug: str | None = None
) -> str:
    """An association as the annuaire stores it (state and token hash); a fresh slug if none."""
    slug = slug or f"asso-{secrets.token_hex(4)}"
    value = {"slug": slug, "state": state, "token_hash": token_hash(token) if token else None}
    kv = await js.key_value("annuaire_associations")
    await kv.put(slug, json.dumps(value).encode())
    return slug


@pytest.fixture
async def provisioned(js: JetStreamContext) -> JetStreamContext:
    await provision(js, 1)
    return js


def test_cookie_names_have_the_host_prefix_only_behind_https() -> None:
    assert cookie_name(Kind.ASSOCIATION, Settings()) == "vieasso_association"
    assert cookie_name(Kind.CITY, Settings()) == "vieasso_admin"
    secure = Settings(public_base_url=HTTPS, admin_token=STRONG)
    assert cookie_name(Kind.ASSOCIATION, secure) == "__Host-vieasso_association"
    assert cookie_name(Kind.CITY, secure) == "__Host-vieasso_admin"
    plain = Settings(public_base_url="http://intranet.example.fr", admin_token=STRONG)
    assert cookie_name(Kind.CITY, plain) == "vieasso_admin"


def test_the_bucket_ttl_is_the_longest_session() -> None:
    (spec,) = [b for b in BUCKETS if b.name == SESSIONS]
    assert spec.ttl == LONGEST
    assert not spec.backed_up


async def test_cookies_hold_a_session_id_and_sign_out_revokes_it(
    provisioned: JetStreamContext,
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await _association(provisioned, token)
    sessions = Sessions(Settings(admin_token=STRONG), FrozenClock(NOW))
    await sessions.open(provisioned)
    async with _client(_app(sessions, token_hash(token))) as client:
        answer = await client.post(f"/connexion/{slug}")
        headers = answer.headers.get_list("set-cookie")
        assert len(headers) == 2
        for header in headers:
            lowered = header.lower()
            assert "httponly" in lowered
            assert "samesite=lax" in lowered
            assert "path=/" in lowered
            assert "secure" not in lowered  # plain http in development
            assert token not in header
            assert STRONG not in header
        assert (await client.get("/qui")).json() == {"association": slug, "city": True}
        session_id = client.cookies["vieasso_association"]
        kv = await provisioned.key_value(SESSIONS)
        stored = await kv.get(session_key(session_id))
        assert stored.value is not None
        assert json.loads(stored.value)["credential"] == credential_of(token_hash(token))
        for kind, seconds in ((Kind.ASSOCIATION, 7 * 86400), (Kind.CITY, 8 * 3600)):
            key = session_key(client.cookies[cookie_name(kind, Settings())])
            raw = await provisioned.get_last_msg(f"KV_{SESSIONS}", f"$KV.{SESSIONS}.{key}")
            assert (raw.headers or {}).get("Nats-TTL") == str(seconds)  # its own TTL
        copied = dict(client.cookies)
        await client.post("/deconnexion")
        assert (await client.get("/qui")).json() == {"association": None, "city": False}
        with pytest.raises(KeyNotFoundError):
            await kv.get(session_key(session_id))
    async with _client(_app(sessions, token_hash(token))) as thief:
        thief.cookies.update(copied)
        assert (await thief.get("/qui")).json() == {"association": None, "city": False}


async def test_sessions_expire_after_their_lifetime(provisioned: JetStreamContext) -> None:
    token = secrets.token_urlsafe(16)
    slug = await _association(provisioned, token)
    clock = FrozenClock(NOW)
    sessions = Sessions(Settings(admin_token=STRONG), clock)
    await sessions.open(provisioned)
    async with _client(_app(sessions, token_hash(token))) as client:
        await client.post(f"/connexion/{slug}")
        clock.advance(timedelta(hours=8) - timedelta(seconds=1))
        assert (await client.get("/qui")).json() == {"association": slug, "city": True}
        clock.advance(timedelta(seconds=1))
        assert (await client.get("/qui")).json() == {"association": slug, "city": False}
        clock.advance(timedelta(days=7) - timedelta(hours=8))
        assert (await client.get("/qui")).json() == {"association": None, "city": False}


async def test_a_session_ends_with_the_token_it_was_opened_with(
    provisioned: JetStreamContext,
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await _association(provisioned, token)
    sessions = Sessions(Settings(admin_token=STRONG), FrozenClock(NOW))
    await sessions.open(provisioned)
    async with _client(_app(sessions, token_hash(token))) as client:
        await client.post(f"/connexion/{slug}")
        cookies = dict(client.cookies)
    # the services restarted with another admin token: city sessions opened before are refused
    renewed = Sessions(Settings(admin_token="y" * 32), FrozenClock(NOW))
    await renewed.open(provisioned)
    async with _client(_app(renewed, token_hash(token))) as client:
        client.cookies.update(cookies)
        assert (await client.get("/qui")).json() == {"association": slug, "city": False}
        # the association's token issued again: its session ends
        await _association(provisioned, secrets.token_urlsafe(16), slug=slug)
        assert (await client.get("/qui")).json() == {"association": None, "city": False}


async def test_an_archived_association_or_a_malformed_cookie_opens_nothing(
    provisioned: JetStreamContext,
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await _association(provisioned, token)
    sessions = Sessions(Settings(admin_token=STRONG), FrozenClock(NOW))
    await sessions.open(provisioned)
    async with _client(_app(sessions, token_hash(token))) as client:
        await client.post(f"/connexion/{slug}")
        await _association(provisioned, None, "archived", slug=slug)
        assert (await client.get("/qui")).json()["association"] is None
        for value in ("", "court", "a" * 300, "pas un identifiant !", slug + ":" + token):
            client.cookies.clear()
            client.cookies.set("vieasso_association", value)
            client.cookies.set("vieasso_admin", value)
            assert (await client.get("/qui")).json() == {"association": None, "city": False}
