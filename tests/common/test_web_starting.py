"""A service whose start-up is not finished (here: NATS not reachable yet) answers 503 with
`Retry-After`: a French page for a person, the JSON answer for API clients."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from tests.support.processes import free_port
from vieasso.agenda.bootstrap import create_app as agenda_app
from vieasso.agenda.config import AgendaSettings
from vieasso.annuaire.bootstrap import create_app as annuaire_app
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.common.web import ASSOCIATION_COOKIE, STARTING
from vieasso.newsletter.bootstrap import create_app as newsletter_app
from vieasso.newsletter.config import NewsletterSettings

COOKIE = {ASSOCIATION_COOKIE: "s" * 43}  # a session id: checking it needs NATS
BEARER = {"Authorization": "Bearer jeton-de-test"}
DEADLINE = 30.0
HOLD = 0.3  # seconds a request waits for the start before its 503 (held, then answered)
SUBSCRIPTION = {"email": "resident@exemple.fr", "topics": ["evenements"]}


@dataclass(frozen=True)
class Case:
    create: Callable[..., FastAPI]
    settings: type[AnnuaireSettings | AgendaSettings | NewsletterSettings]
    page: str
    page_cookies: dict[str, str]
    api: tuple[str, str, dict[str, Any]]
    """method, path, httpx keyword arguments"""


CASES = {
    "annuaire": Case(
        annuaire_app,
        AnnuaireSettings,
        "/associations?q=chorale",
        {},
        ("GET", "/api/associations", {}),
    ),
    "agenda": Case(
        agenda_app,
        AgendaSettings,
        "/espace-association/evenements",
        COOKIE,
        ("DELETE", "/api/associations/les-amis/events/concert", {"headers": BEARER}),
    ),
    "newsletter": Case(
        newsletter_app,
        NewsletterSettings,
        "/abonnement",
        {},
        ("POST", "/api/subscriptions", {"json": SUBSCRIPTION}),
    ),
}


@asynccontextmanager
async def starting(case: Case) -> AsyncIterator[httpx.AsyncClient]:
    """The app running, its NATS runtime still trying to reach a server nobody runs."""
    settings = case.settings(
        nats_url=f"nats://127.0.0.1:{free_port()}",
        admin_token=secrets.token_urlsafe(24),
        log_json=False,
        starting_hold_seconds=HOLD,
    )
    app = case.create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            assert (await client.get("/healthz")).status_code == 503
            yield client


@pytest.mark.parametrize("service", sorted(CASES))
async def test_a_page_of_a_starting_service_says_so_in_french_and_the_api_keeps_json(
    service: str,
) -> None:
    case = CASES[service]
    method, path, kwargs = case.api
    # answers read here, checked once the app has stopped; a start or stop that hangs fails
    # within the deadline instead of the suite's timeout
    async with asyncio.timeout(DEADLINE), starting(case) as client:
        client.cookies.update(case.page_cookies)
        page = await client.get(case.page, headers={"Accept": "text/html,*/*;q=0.8"})
        asked_json = await client.get(case.page, headers={"Accept": "application/json"})
        client.cookies.clear()
        api = await client.request(method, path, **kwargs)

    html = assert_french_page(page, status=503)
    assert "<h1>Le service démarre</h1>" in html
    assert "rechargez-la dans un instant" in html
    assert f'href="{case.page}"' in html.replace("&amp;", "&")
    for answer in (page, asked_json, api):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "2"
    for answer in (asked_json, api):
        assert answer.json() == {"detail": STARTING}


AGENDA_WHILE_LOADING = {
    "/feeds/agenda.ics": "json",
    "/feeds/agenda.rss?theme=culture": "json",
    "/feeds/associations/les-amis.atom": "json",
    "/events/les-amis/concert.ics": "json",
    "/agenda": "page",
    "/events/les-amis/concert": "page",
}


async def test_the_agenda_serves_no_feed_and_no_agenda_page_before_its_events_are_loaded() -> None:
    """An empty calendar answered 200 while starting would make every subscribed calendar
    application delete the city's events: 503 with Retry-After instead."""
    answers = {}
    async with asyncio.timeout(DEADLINE), starting(CASES["agenda"]) as client:
        for path in AGENDA_WHILE_LOADING:
            answers[path] = await client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})

    for path, kind in AGENDA_WHILE_LOADING.items():
        answer = answers[path]
        assert answer.status_code == 503, path
        assert answer.headers["retry-after"] == "2", path
        if kind == "json":
            assert answer.json() == {"detail": STARTING}, path
        else:
            assert "<h1>Le service démarre</h1>" in assert_french_page(answer, status=503)


@pytest.mark.nats
async def test_a_request_to_a_starting_service_waits_for_it_rather_than_failing(
    tmp_path: Path,
) -> None:
    """A replica restarted before the proxy's next health check gets requests: they wait
    for the start (NATS reached, indexes loaded) and are answered, not refused with 503 —
    while /healthz keeps answering at once, so that the proxy and the orchestrator see it."""
    port = free_port()
    settings = AnnuaireSettings(
        nats_url=f"nats://127.0.0.1:{port}",
        admin_token=secrets.token_urlsafe(24),
        log_json=False,
        starting_hold_seconds=DEADLINE,
    )
    app = annuaire_app(settings)
    server = NatsServer(tmp_path / "nats", port=port, monitor_port=free_port())
    try:
        async with asyncio.timeout(DEADLINE * 2), app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:
                held = asyncio.create_task(client.get("/api/associations"))
                await asyncio.sleep(0.5)
                assert not held.done()  # waiting, not refused
                health = await client.get("/healthz")
                await asyncio.to_thread(server.start)
                answer = await held
    finally:
        server.stop()
    assert health.status_code == 503  # /healthz never waits
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []
