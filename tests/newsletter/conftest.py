"""Fixtures of the newsletter tests: the app in-process (httpx + lifespan) on real NATS
and a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from tests.support.limits import forget_rate_limits
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.newsletter.bootstrap import create_app
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.service import Newsletter

BASE = "https://newsletter.test"


@pytest.fixture
def newsletter_settings(nats_url: str, smtp_server: SmtpServer) -> NewsletterSettings:
    return NewsletterSettings(
        nats_url=nats_url,
        smtp_port=smtp_server.port,
        token_secret=secrets.token_urlsafe(24),
        admin_token=secrets.token_urlsafe(24),
        public_base_url=BASE,
        log_json=False,
        send_retry_base=0.05,
        send_retry_max=0.2,
        send_ack_wait=3.0,
        digest_schedule=False,
        subscribe_limit_per_ip=1000,
    )


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


class App:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def newsletter(self) -> Newsletter:
        found: Newsletter = self.app.state.newsletter
        return found


_WEEKS_DRAWN: set[datetime] = set()


def random_monday() -> datetime:
    """08:00 Paris on a Monday of a random far-future year, never drawn before in this test
    session: editions are named by their week, and two tests (sharing the session's
    nats-server) drawing the same week shared one edition (1 run in ~20 had such a pair:
    ~60 draws among 32,000 weeks)."""
    while True:
        year = 2100 + secrets.randbelow(800)
        first = datetime(year, 1, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
        monday = first + timedelta(days=7 * secrets.randbelow(40) - first.weekday())
        if monday not in _WEEKS_DRAWN:
            _WEEKS_DRAWN.add(monday)
            return monday.astimezone(UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(random_monday())


def client_from(app: FastAPI, peer: str) -> httpx.AsyncClient:
    """An HTTP client of `app` whose connections come from `peer`."""
    transport = httpx.ASGITransport(app=app, client=(peer, 4444))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


@asynccontextmanager
async def running(settings: NewsletterSettings, clock: FrozenClock) -> AsyncIterator[App]:
    """The app started and healthy, with a client from 203.0.113.7 (no proxy)."""
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app), client_from(app, "203.0.113.7") as client:
        deadline = time.monotonic() + 20
        while (await client.get("/healthz")).status_code != 200:
            assert time.monotonic() < deadline, "newsletter never became healthy"
            await asyncio.sleep(0.05)
        await forget_rate_limits(settings.nats_url)
        yield App(app, client)


@pytest.fixture
async def newsletter_app(
    newsletter_settings: NewsletterSettings, clock: FrozenClock
) -> AsyncIterator[App]:
    async with running(newsletter_settings, clock) as app:
        yield app


def random_email(prefix: str = "abonne") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.org"


def link(message: EmailMessage, path: str) -> str:
    """The first link to `path` in the plain-text part of `message`."""
    text = message.get_body(("plain",))
    assert text is not None
    found = re.search(re.escape(BASE + path) + r"\?token=[A-Za-z0-9_.=-]+", text.get_content())
    assert found, f"no link to {path}"
    return found.group(0)


def mails_to(smtp: SmtpServer, address: str) -> list[EmailMessage]:
    return [m for m in smtp.messages() if m["To"] == address]
