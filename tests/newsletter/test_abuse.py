"""Abuse of the subscription form: the visitor's address behind the proxy, one confirmation
mail per address per hour, per-visitor limits, and answers that reveal nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.newsletter.conftest import App, client_from, mails_to, random_email, running, until
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.newsletter.adapters.subscribers import SubscriberStore
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.subscriber import Subscriber

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

PROXY = "172.30.80.2"  # an address of the compose network: a trusted proxy by default
SUBSCRIBE = "/api/subscriptions"


async def stored(app: App, email: str) -> Subscriber:
    await app.newsletter.subscriptions.drain()
    found = await app.newsletter.store.find(email)
    assert found is not None
    return found[0]


async def test_consent_records_the_visitor_behind_the_proxy_not_the_proxy(
    newsletter_app: App,
) -> None:
    email = random_email()
    async with client_from(newsletter_app.app, PROXY) as proxy:
        answer = await proxy.post(
            SUBSCRIBE, json={"email": email}, headers={"X-Forwarded-For": "198.51.100.23"}
        )

    assert answer.status_code == 202
    assert (await stored(newsletter_app, email)).consent.ip == "198.51.100.23"


async def test_a_visitor_cannot_choose_their_address_with_a_forwarded_for(
    newsletter_app: App,
) -> None:
    email = random_email()
    await newsletter_app.client.post(
        SUBSCRIBE, json={"email": email}, headers={"X-Forwarded-For": "198.51.100.99"}
    )

    assert (await stored(newsletter_app, email)).consent.ip == "203.0.113.7"


async def test_one_confirmation_mail_per_address_per_hour_whatever_the_ip(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    email = random_email()
    async with client_from(newsletter_app.app, PROXY) as proxy:
        for visitor in ("198.51.100.1", "198.51.100.2", "2001:db8::3"):
            answer = await proxy.post(
                SUBSCRIBE, json={"email": email}, headers={"X-Forwarded-For": visitor}
            )
            assert answer.status_code == 202
            await newsletter_app.newsletter.subscriptions.drain()
        assert len(mails_to(smtp_server, email)) == 1  # drained: every mail due has left
        assert (await stored(newsletter_app, email)).consent.ip == "198.51.100.1"

        clock.advance(timedelta(minutes=61))
        await proxy.post(SUBSCRIBE, json={"email": email}, headers={"X-Forwarded-For": "x"})

    await until(lambda: len(mails_to(smtp_server, email)) == 2)
    assert len(mails_to(smtp_server, email)) == 2


async def test_the_answer_does_not_wait_for_the_work_on_the_address(
    newsletter_app: App, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Known or unknown, the address is looked up after the answer: its time tells nothing."""
    known, unknown = random_email(), random_email()
    await newsletter_app.client.post(SUBSCRIBE, json={"email": known})
    await until(lambda: mails_to(smtp_server, known))
    store: SubscriberStore = newsletter_app.newsletter.store
    lookup = store.find
    gate = asyncio.Event()

    async def held(email: str) -> tuple[Subscriber, int] | None:
        await gate.wait()
        return await lookup(email)

    monkeypatch.setattr(store, "find", held)
    answers = []
    for email in (known, unknown):
        async with asyncio.timeout(10):  # detects a handler that waits for the lookup (a hang)
            answers.append(await newsletter_app.client.post(SUBSCRIBE, json={"email": email}))

    assert [(a.status_code, a.content) for a in answers] == [(202, answers[0].content)] * 2
    assert await lookup(unknown) is None  # nothing done yet: the work comes after the answer
    gate.set()
    await until(lambda: mails_to(smtp_server, unknown))


@pytest.fixture
async def limited_app(
    newsletter_settings: NewsletterSettings, clock: FrozenClock
) -> AsyncIterator[App]:
    settings = newsletter_settings.model_copy(update={"subscribe_limit_per_ip": 2})
    async with running(settings, clock) as app:
        yield app


async def test_the_limit_counts_each_visitor_behind_the_proxy_apart(limited_app: App) -> None:
    async with client_from(limited_app.app, PROXY) as proxy:

        async def post(visitor: str, page: bool = False) -> tuple[int, str | None]:
            headers = {"X-Forwarded-For": visitor}
            email = random_email()
            if page:
                answer = await proxy.post("/abonnement", data={"email": email}, headers=headers)
            else:
                answer = await proxy.post(SUBSCRIBE, json={"email": email}, headers=headers)
            return answer.status_code, answer.headers.get("Retry-After")

        assert await post("198.51.100.1") == (202, None)
        assert await post("198.51.100.1") == (202, None)
        status, retry = await post("198.51.100.1")
        assert status == 429
        assert retry is not None
        assert 1 <= int(retry) <= limited_app.newsletter.settings.subscribe_window_seconds
        assert (await post("198.51.100.1", page=True))[0] == 429
        assert await post("198.51.100.2") == (202, None)
    await limited_app.newsletter.subscriptions.drain()
