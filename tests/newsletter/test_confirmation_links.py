"""The confirmation link of the double opt-in (issue 12, item 8).

Mail scanners follow links: `GET /abonnement/confirmer?token=` only shows a page with a
button, the `POST` it sends confirms (the token is the authority: no cookie). A link mailed
before the person left (unsubscribed, suspended after a hard bounce) never brings them back,
nor does an old preferences link.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest

from tests.newsletter.conftest import App, link, mails_to, random_email, until
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.newsletter.domain.subscriber import Subscriber, SubscriberState
from vieasso.newsletter.domain.tokens import Purpose

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

CONFIRM = "/abonnement/confirmer"


async def request(app: App, smtp: SmtpServer, email: str) -> EmailMessage:
    """Ask for the letter; the newest confirmation mail."""
    before = len(mails_to(smtp, email))
    answer = await app.client.post("/api/subscriptions", json={"email": email})
    assert answer.status_code == 202, answer.text
    await app.newsletter.subscriptions.drain()
    await until(lambda: len(mails_to(smtp, email)) > before)
    return mails_to(smtp, email)[-1]


async def record(app: App, email: str) -> Subscriber:
    found = await app.newsletter.store.find(email)
    assert found is not None
    return found[0]


def form_action(page: str) -> str:
    """The action of the page's confirmation form (the button's target)."""
    found = re.search(r'<form method="post" action="([^"]+)"', page)
    assert found, page
    return found.group(1).replace("&amp;", "&")


async def test_opening_the_link_shows_a_button_and_only_its_post_confirms(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    for _ in range(3):  # a scanner, a preview, the person: a GET never confirms
        page = await newsletter_app.client.get(url)
        assert page.status_code == 200
        assert "Confirmer mon abonnement" in page.text
        assert (await record(newsletter_app, email)).state is SubscriberState.PENDING
    confirmed = await newsletter_app.client.post(form_action(page.text))  # no cookie, no body
    assert confirmed.status_code == 200
    assert "Abonnement confirmé" in confirmed.text
    subscriber = await record(newsletter_app, email)
    assert subscriber.state is SubscriberState.ACTIVE
    assert subscriber.consent.confirmed_at is not None
    again = await newsletter_app.client.get(url)
    assert again.status_code == 200
    assert "déjà confirmé" in again.text
    assert 'method="post"' not in again.text


async def test_an_old_link_never_brings_back_an_unsubscribed_person(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    email = random_email()
    url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    assert (await newsletter_app.client.post(url)).status_code == 200
    subscriber = await record(newsletter_app, email)
    clock.advance(timedelta(hours=1))
    unsubscribe = newsletter_app.newsletter.links.unsubscribe(subscriber.id)
    assert (await newsletter_app.client.post(unsubscribe)).status_code == 200

    page = await newsletter_app.client.get(url)
    assert page.status_code == 410
    assert "Ce lien de confirmation n’est plus valable" in page.text
    assert 'method="post"' not in page.text
    refused = await newsletter_app.client.post(url)
    assert refused.status_code == 410
    assert (await record(newsletter_app, email)).state is SubscriberState.UNSUBSCRIBED

    # Asking again mails a new link, which confirms; the old one still does not.
    clock.advance(timedelta(hours=1))
    new_url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    assert (await record(newsletter_app, email)).state is SubscriberState.PENDING
    assert (await newsletter_app.client.post(url)).status_code == 410
    assert (await record(newsletter_app, email)).state is SubscriberState.PENDING
    assert (await newsletter_app.client.post(new_url)).status_code == 200
    assert (await record(newsletter_app, email)).state is SubscriberState.ACTIVE


async def test_an_old_link_never_reactivates_a_suspended_address(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    email = random_email()
    url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    assert (await newsletter_app.client.post(url)).status_code == 200
    found = await newsletter_app.newsletter.store.find(email)
    assert found is not None
    clock.advance(timedelta(days=3))
    await newsletter_app.newsletter.store.save(
        found[0].suspended(clock.now(), "550 no such user"), found[1]
    )
    refused = await newsletter_app.client.post(url)
    assert refused.status_code == 410
    assert (await record(newsletter_app, email)).state is SubscriberState.SUSPENDED


async def test_an_old_preferences_link_changes_choices_but_never_resubscribes(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    assert (await newsletter_app.client.post(url)).status_code == 200
    subscriber = await record(newsletter_app, email)
    token = newsletter_app.newsletter.links.token(Purpose.MANAGE, subscriber.id)
    unsubscribe = newsletter_app.newsletter.links.unsubscribe(subscriber.id)
    assert (await newsletter_app.client.post(unsubscribe)).status_code == 200
    saved = await newsletter_app.client.post(
        "/preferences", data={"token": token, "topics": ["missions"], "frequency": "mensuelle"}
    )
    assert saved.status_code == 303
    changed = await record(newsletter_app, email)
    assert changed.state is SubscriberState.UNSUBSCRIBED
    assert [t.value for t in changed.preferences.topics] == ["missions"]


async def test_a_forged_or_foreign_token_is_refused_with_a_french_page(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    url = link(await request(newsletter_app, smtp_server, email), CONFIRM)
    subscriber = await record(newsletter_app, email)
    unsubscribe_token = newsletter_app.newsletter.links.token(Purpose.UNSUBSCRIBE, subscriber.id)
    for bad in (url[:-3] + "AAA", f"{CONFIRM}?token={unsubscribe_token}", CONFIRM):
        for method in ("GET", "POST"):
            answer = await newsletter_app.client.request(method, bad)
            assert answer.status_code == 400, (method, bad)
            assert "Lien invalide" in answer.text
    assert (await record(newsletter_app, email)).state is SubscriberState.PENDING
