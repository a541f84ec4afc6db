"""Subscriptions: double opt-in, no enumeration, one-click unsubscribe, GDPR."""

from __future__ import annotations

import pytest

from tests.newsletter.conftest import App, link, mails_to, random_email, until
from tests.support.smtp import SmtpServer
from vieasso.newsletter.adapters.subscribers import index_key, record_key
from vieasso.newsletter.domain.subscriber import SubscriberState
from vieasso.newsletter.domain.tokens import Purpose

pytestmark = [pytest.mark.nats, pytest.mark.smtp]


async def subscribe(app: App, email: str, **fields: object) -> None:
    answer = await app.client.post("/api/subscriptions", json={"email": email, **fields})
    assert answer.status_code == 202, answer.text
    await app.newsletter.subscriptions.drain()


async def state_of(app: App, email: str) -> SubscriberState | None:
    found = await app.newsletter.store.find(email)
    return None if found is None else found[0].state


async def test_confirmation_mail_arrives_and_its_link_confirms(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    await subscribe(newsletter_app, email, themes=["sport"], quartiers=["battant"])
    assert await state_of(newsletter_app, email) is SubscriberState.PENDING
    await until(lambda: mails_to(smtp_server, email))
    (mail,) = mails_to(smtp_server, email)
    assert mail.get_body(("html",)) is not None
    page = await newsletter_app.client.post(link(mail, "/abonnement/confirmer"))
    assert page.status_code == 200
    assert "Abonnement confirmé" in page.text
    subscriber, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert subscriber is not None
    assert subscriber.state is SubscriberState.ACTIVE
    assert subscriber.consent.confirmed_at is not None
    assert subscriber.consent.ip == "203.0.113.7"
    assert subscriber.consent.form_version == newsletter_app.newsletter.settings.form_version


async def test_answer_is_the_same_for_a_known_and_an_unknown_address(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    known, unknown = random_email(), random_email()
    await subscribe(newsletter_app, known)
    await until(lambda: mails_to(smtp_server, known))
    confirm = link(mails_to(smtp_server, known)[0], "/abonnement/confirmer")
    await newsletter_app.client.post(confirm)
    first = await newsletter_app.client.post("/api/subscriptions", json={"email": known})
    second = await newsletter_app.client.post("/api/subscriptions", json={"email": unknown})
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    await newsletter_app.newsletter.subscriptions.drain()
    assert len(mails_to(smtp_server, known)) == 1  # an active subscriber is not mailed again


async def test_honeypot_filled_means_nothing_is_stored_nor_sent(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    await subscribe(newsletter_app, email, website="https://spam.example")
    assert await state_of(newsletter_app, email) is None
    assert mails_to(smtp_server, email) == []


async def test_unknown_theme_is_refused_in_french(newsletter_app: App) -> None:
    answer = await newsletter_app.client.post(
        "/api/subscriptions", json={"email": random_email(), "themes": ["pas-un-theme"]}
    )
    assert answer.status_code == 422
    assert "Thème inconnu" in answer.text


async def test_unsubscribe_get_shows_a_button_and_post_one_click_unsubscribes(
    newsletter_app: App,
) -> None:
    email = random_email()
    await subscribe(newsletter_app, email)
    subscriber, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert subscriber is not None
    await newsletter_app.newsletter.subscriptions.confirm(
        newsletter_app.newsletter.links.token(Purpose.CONFIRM, subscriber.id)
    )
    url = newsletter_app.newsletter.links.unsubscribe(subscriber.id)
    page = await newsletter_app.client.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert await state_of(newsletter_app, email) is SubscriberState.ACTIVE
    answer = await newsletter_app.client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert await state_of(newsletter_app, email) is SubscriberState.UNSUBSCRIBED


async def test_tampered_unsubscribe_token_changes_nothing(newsletter_app: App) -> None:
    email = random_email()
    await subscribe(newsletter_app, email)
    subscriber, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert subscriber is not None
    url = newsletter_app.newsletter.links.unsubscribe(subscriber.id)
    answer = await newsletter_app.client.post(url[:-3] + "AAA")
    assert answer.status_code == 400
    assert await state_of(newsletter_app, email) is SubscriberState.PENDING


async def test_preferences_form_saves_new_choices(newsletter_app: App) -> None:
    email = random_email()
    await subscribe(newsletter_app, email, themes=["sport"])
    subscriber, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert subscriber is not None
    token = newsletter_app.newsletter.links.token(Purpose.MANAGE, subscriber.id)
    page = await newsletter_app.client.get("/preferences", params={"token": token})
    assert page.status_code == 200
    assert email in page.text
    saved = await newsletter_app.client.post(
        "/preferences",
        data={
            "token": token,
            "themes": ["culture", "solidarite"],
            "quartiers": ["planoise-chateaufarine"],
            "topics": ["evenements"],
            "frequency": "mensuelle",
        },
    )
    assert saved.status_code == 303  # Post/Redirect/Get
    shown = await newsletter_app.client.get(saved.headers["Location"])
    assert "enregistrées" in shown.text
    changed, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert changed is not None
    assert changed.preferences.themes == ("culture", "solidarite")
    assert changed.preferences.quartiers == ("planoise-chateaufarine",)
    assert [t.value for t in changed.preferences.topics] == ["evenements"]
    assert changed.preferences.frequency.value == "mensuelle"


async def test_export_gives_everything_and_erase_purges_the_history(
    newsletter_app: App,
) -> None:
    email = random_email()
    await subscribe(newsletter_app, email, quartiers=["battant"])
    subscriber, _ = await newsletter_app.newsletter.store.find(email) or (None, 0)
    assert subscriber is not None
    await newsletter_app.newsletter.subscriptions.confirm(
        newsletter_app.newsletter.links.token(Purpose.CONFIRM, subscriber.id)
    )
    token = newsletter_app.newsletter.links.token(Purpose.MANAGE, subscriber.id)
    exported = await newsletter_app.client.get("/api/subscriptions/me", params={"token": token})
    assert exported.status_code == 200
    data = exported.json()["abonne"]
    assert data["email"] == email
    assert data["consent"]["ip"] == "203.0.113.7"
    assert data["consent"]["confirmed_at"] is not None
    erased = await newsletter_app.client.delete("/api/subscriptions/me", params={"token": token})
    assert erased.status_code == 204
    assert await newsletter_app.newsletter.store.find(email) is None
    # Only the purge marker is left of each key (read from the stream: nats-py's
    # KeyValue.history() can miss entries, see vieasso.common.nats.kv).
    js = newsletter_app.newsletter.js
    stream = "KV_newsletter_subscribers"
    for key in (record_key(subscriber.id), index_key(email)):
        subject = f"$KV.newsletter_subscribers.{key}"
        info = await js.stream_info(stream, subjects_filter=subject)
        assert (info.state.subjects or {}).get(subject) == 1, info.state.subjects
        marker = await js.get_last_msg(stream, subject)
        assert (marker.headers or {}).get("KV-Operation") == "PURGE"
        assert not marker.data
    again = await newsletter_app.client.get("/api/subscriptions/me", params={"token": token})
    assert again.status_code == 404
