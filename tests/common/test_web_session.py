"""Sign-in cookies: HttpOnly, SameSite=Lax, Secure behind https, read back safely."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request, Response

from vieasso.common.settings import Settings
from vieasso.common.web import (
    ADMIN_COOKIE,
    ASSOCIATION_COOKIE,
    admin_credentials,
    association_credentials,
    clear_cookies,
    set_admin_cookie,
    set_association_cookie,
)

STRONG = "x" * 32


def _client(app: FastAPI, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def _app(settings: Settings) -> FastAPI:
    app = FastAPI()

    @app.post("/connexion/{slug}")
    async def sign_in(slug: str, response: Response) -> dict[str, str]:
        set_association_cookie(response, slug, "jeton-secret_42", settings)
        set_admin_cookie(response, STRONG, settings)
        return {}

    @app.get("/qui")
    async def who(request: Request) -> dict[str, object]:
        return {
            "association": association_credentials(request),
            "admin": admin_credentials(request),
        }

    @app.post("/deconnexion")
    async def sign_out(response: Response) -> dict[str, str]:
        clear_cookies(response)
        return {}

    return app


async def test_cookies_are_http_only_lax_and_read_back() -> None:
    async with _client(_app(Settings())) as client:
        answer = await client.post("/connexion/les-amis-de-battant")
        headers = answer.headers.get_list("set-cookie")
        assert len(headers) == 2
        for header in headers:
            lowered = header.lower()
            assert "httponly" in lowered
            assert "samesite=lax" in lowered
            assert "path=/" in lowered
            assert "secure" not in lowered  # plain http in development
        assert (await client.get("/qui")).json() == {
            "association": ["les-amis-de-battant", "jeton-secret_42"],
            "admin": STRONG,
        }
        await client.post("/deconnexion")
        assert (await client.get("/qui")).json() == {"association": None, "admin": None}


async def test_cookies_are_secure_behind_an_https_public_url() -> None:
    settings = Settings(public_base_url="https://vie-associative.example.fr", admin_token=STRONG)
    async with _client(_app(settings), "https://testserver") as client:
        for header in (await client.post("/connexion/a")).headers.get_list("set-cookie"):
            assert "secure" in header.lower()


async def test_a_malformed_association_cookie_is_no_credential() -> None:
    async with _client(_app(Settings())) as client:
        for value in ("sans-deux-points", "Pas Un Slug:jeton", "slug:", ":jeton", "a:" + "x" * 300):
            client.cookies.set(ASSOCIATION_COOKIE, value)
            client.cookies.set(ADMIN_COOKIE, "")
            assert (await client.get("/qui")).json() == {"association": None, "admin": None}, value
