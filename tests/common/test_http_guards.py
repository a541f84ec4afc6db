"""The edge guards of `build_app` called as ASGI apps: what real HTTP servers never let
through (a body longer than its Content-Length), the per-prefix limits, and the headers each
setting gives. Over real HTTP: tests/common/test_http_edge.py."""

from __future__ import annotations

import json
import secrets

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.types import Message

from tests.support.processes import free_port
from vieasso.common.http.app import build_app
from vieasso.common.http.headers import mail_html_headers, security_headers
from vieasso.common.http.limits import TOO_LARGE, BodyLimit
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.settings import Settings

LIMIT = 4096
UPLOADS = "/televersement/"
Answer = tuple[int, dict[str, str], bytes]


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "nats_url": f"nats://127.0.0.1:{free_port()}",
        "admin_token": secrets.token_urlsafe(24),
        "max_body_bytes": LIMIT,
        **overrides,
    }
    return Settings.model_validate(values)


def app_with_routes(config: Settings) -> FastAPI:
    router = APIRouter()

    @router.post("/api/lire")
    @router.post(UPLOADS + "image")
    async def read(request: Request) -> dict[str, int]:
        return {"lu": len(await request.body())}

    @router.get("/propre-csp")
    async def own_csp() -> HTMLResponse:
        return HTMLResponse("<p>x</p>", headers=mail_html_headers(config, framed_here=True))

    runtime = NatsRuntime(config, service="annuaire")
    return build_app(
        runtime, title="t", description="d", routers=[router], body_limits={UPLOADS: 4 * LIMIT}
    )


async def call(
    config: Settings, method: str, path: str, chunks: list[bytes], declared: int | None = None
) -> Answer:
    app = app_with_routes(config)
    headers = [(b"host", b"service")]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    pending: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks or [b""])
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(),
        "query_string": b"", "headers": headers, "scheme": "http", "http_version": "1.1",
        "server": ("service", 80), "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip
    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


async def test_a_body_longer_than_its_content_length_is_cut_at_the_limit() -> None:
    status, _, body = await call(settings(), "POST", "/api/lire", [b"x" * 1000] * 6, declared=10)

    assert status == 413
    assert json.loads(body) == {"detail": TOO_LARGE}


async def test_a_prefix_given_to_build_app_has_its_own_limit() -> None:
    chunks = [b"x" * LIMIT] * 3

    upload = await call(settings(), "POST", UPLOADS + "image", chunks)
    api = await call(settings(), "POST", "/api/lire", chunks)
    too_big = await call(settings(), "POST", UPLOADS + "image", [], declared=5 * LIMIT)

    assert upload[0] == 200
    assert json.loads(upload[2]) == {"lu": 3 * LIMIT}
    assert api[0] == 413
    assert too_big[0] == 413


async def test_a_route_that_sets_its_own_csp_keeps_it_alone() -> None:
    _, headers, _ = await call(settings(), "GET", "/propre-csp", [])

    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"


def test_hsts_only_when_the_public_url_is_https() -> None:
    https = security_headers(settings(public_base_url="https://vie-associative.besancon.fr"))
    http = security_headers(settings())

    assert https["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in http


def test_behind_one_public_url_forms_post_to_self_only() -> None:
    public = security_headers(settings(public_base_url="https://vie-associative.besancon.fr"))
    development = security_headers(settings())

    assert "form-action 'self';" in public["content-security-policy"]
    for port in (8001, 8002, 8003, 8004):  # every service's own port
        assert f"http://127.0.0.1:{port}" in development["content-security-policy"]


@pytest.mark.parametrize(
    ("ancestors", "frame_options"),
    [("'none'", "DENY"), ("'self'", "SAMEORIGIN"), ("'self' https://mairie.example", None)],
)
def test_frame_options_follow_the_frame_ancestors_setting(
    ancestors: str, frame_options: str | None
) -> None:
    headers = security_headers(settings(frame_ancestors=ancestors))

    assert headers["content-security-policy"].endswith(f"frame-ancestors {ancestors}")
    assert headers.get("x-frame-options") == frame_options


def test_a_frame_ancestors_setting_cannot_inject_other_directives() -> None:
    with pytest.raises(ValidationError):
        settings(frame_ancestors="'none'; script-src *")


def test_frame_ancestors_keywords_whose_quotes_an_env_file_ate_are_understood() -> None:
    assert settings(frame_ancestors="self https://mairie.example").frame_ancestors == (
        "'self' https://mairie.example"
    )


def test_a_star_in_a_body_limit_prefix_stands_for_one_path_segment() -> None:
    async def app(scope: object, receive: object, send: object) -> None:  # never called
        raise AssertionError

    guard = BodyLimit(
        app,
        settings=Settings(max_body_bytes=LIMIT),
        body_limits={"/api/associations/*/images": 10 * LIMIT},
    )
    assert guard.limit_for("/api/associations/les-amis/images") == 10 * LIMIT
    assert guard.limit_for("/api/associations/les-amis/events") == LIMIT
    assert guard.limit_for("/api/associations/a/b/images") == LIMIT
