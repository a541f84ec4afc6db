"""A digest edition end to end: facts in, personalised mails out through real SMTP."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App, mails_to, random_email, until
from tests.newsletter.digest_support import active_subscriber, publish_facts, send_edition
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.newsletter.domain.subscriber import SubscriberState, Topic

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


async def test_each_subscriber_gets_what_matches_their_themes_and_quartiers(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    now = clock.now()
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            now - timedelta(days=2), name="Club de pétanque", themes=("sport",), quartier="battant"
        ),
        facts.mission_published(
            now - timedelta(days=1), title="Arbitre bénévole", themes=("sport",), quartier=None
        ),
        facts.association_validated(
            now - timedelta(days=1),
            name="Théâtre de Planoise",
            themes=("culture",),
            quartier="planoise-chateaufarine",
        ),
        facts.event_published(
            now + timedelta(days=3),
            title="<script>alert(1)</script> Concert",
            themes=("culture",),
            quartier="planoise-chateaufarine",
        ),
        facts.association_validated(
            now - timedelta(days=30), name="Trop ancienne", themes=("sport",), quartier=None
        ),
    )
    sporty, cultured, nothing, gone = (random_email(p) for p in ("sport", "culture", "rien", "x"))
    await active_subscriber(newsletter_app, sporty, themes=("sport",))
    await active_subscriber(
        newsletter_app, cultured, themes=("culture",), quartiers=("planoise-chateaufarine",)
    )
    await active_subscriber(newsletter_app, nothing, themes=("numerique",))
    await active_subscriber(
        newsletter_app, gone, themes=("sport",), state=SubscriberState.UNSUBSCRIBED
    )

    edition = await send_edition(newsletter_app)

    # Subscribers of other tests share the session's bucket: count ours by their mails.
    assert edition.recipients >= 2
    assert edition.delivered == edition.recipients
    status = (await newsletter_app.client.get(f"/api/editions/{edition.id}")).json()
    assert (status["state"], status["batches_pending"]) == ("sent", 0)
    assert status["delivered"] == edition.delivered
    (sport_mail,) = mails_to(smtp_server, sporty)
    (culture_mail,) = mails_to(smtp_server, cultured)
    assert mails_to(smtp_server, nothing) == []
    assert mails_to(smtp_server, gone) == []
    for header in HEADERS:
        assert sport_mail[header], header
    assert sport_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sport_mail["List-Unsubscribe"].startswith("<https://")
    sport_text = sport_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    sport_html = sport_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Club de pétanque" in sport_text
    assert "Arbitre bénévole" in sport_html
    assert "Théâtre" not in sport_text
    assert "Trop ancienne" not in sport_text
    assert "Se désabonner" in sport_html
    culture_html = culture_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Concert" in culture_html
    assert "<script>" not in culture_html
    assert "Pétanque" not in culture_html


async def test_list_unsubscribe_post_unsubscribes_and_get_does_not(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Vélo", themes=("sport",), quartier=None
        ),
    )
    email = random_email()
    subscriber = await active_subscriber(newsletter_app, email)
    edition = await send_edition(newsletter_app)
    (mail,) = mails_to(smtp_server, email)
    token = newsletter_app.newsletter.links.preferences(subscriber.id).split("token=")[1]
    export = await newsletter_app.client.get("/api/subscriptions/me", params={"token": token})
    assert export.json()["envois"][edition.id]["state"] == "sent"
    url = mail["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    assert (await newsletter_app.client.get(url)).status_code == 200
    found = await newsletter_app.newsletter.store.get(subscriber.id)
    assert found is not None
    assert found[0].state is SubscriberState.ACTIVE
    answer = await newsletter_app.client.post(
        url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    found = await newsletter_app.newsletter.store.get(subscriber.id)
    assert found is not None
    assert found[0].state is SubscriberState.UNSUBSCRIBED


async def test_preferences_change_what_the_next_edition_contains(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    email = random_email()
    subscriber = await active_subscriber(newsletter_app, email, topics=(Topic.ASSOCIATIONS,))
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Première", themes=("sport",), quartier=None
        ),
    )
    await send_edition(newsletter_app)
    assert len(mails_to(smtp_server, email)) == 1

    token = newsletter_app.newsletter.links.preferences(subscriber.id).split("token=")[1]
    saved = await newsletter_app.client.post(
        "/preferences", data={"token": token, "topics": ["missions"], "frequency": "hebdomadaire"}
    )
    assert saved.status_code == 303
    mirror = newsletter_app.newsletter.mirror

    def changed() -> bool:  # in the mirror, which editions read: it follows the bucket
        reader = mirror.get(subscriber.id)
        return reader is not None and reader.preferences.topics == (Topic.MISSIONS,)

    await until(changed)
    clock.advance(timedelta(days=7))
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Seconde", themes=("sport",), quartier=None
        ),
        facts.mission_published(
            clock.now() - timedelta(days=1), title="Aide aux devoirs", themes=(), quartier=None
        ),
    )
    await send_edition(newsletter_app)
    first, second = sorted(
        mails_to(smtp_server, email), key=lambda m: parsedate_to_datetime(m["Date"])
    )
    second_text = second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Aide aux devoirs" in second_text
    assert "Seconde" not in second_text
    assert first["Message-ID"] != second["Message-ID"]


async def test_same_week_twice_makes_one_edition_and_facts_carry_no_address(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    await publish_facts(
        newsletter_app,
        facts.association_validated(
            clock.now() - timedelta(days=1), name="Chorale", themes=("culture",), quartier=None
        ),
    )
    email = random_email()
    await active_subscriber(newsletter_app, email)
    first = await send_edition(newsletter_app)
    clock.advance(timedelta(hours=30))
    second = await send_edition(newsletter_app)
    assert second.id == first.id
    assert len(mails_to(smtp_server, email)) == 1
    js = newsletter_app.newsletter.js
    for change in ("built", "sent"):
        msg = await js.get_last_msg("NEWSLETTER", f"newsletter.editions.{first.id}.{change}")
        assert "@" not in (msg.data or b"").decode()
        assert json.loads(msg.data or b"{}")["edition_id"] == first.id
    for path in (f"/archives/{first.id}", f"/archives/{first.id}/lettre"):  # page, mail
        archive = await newsletter_app.client.get(path)
        assert archive.status_code == 200
        assert "Chorale" in archive.text
        assert "token=" not in archive.text
    assert 'href="#contenu"' in (await newsletter_app.client.get(f"/archives/{first.id}")).text
    assert first.id in (await newsletter_app.client.get("/archives")).text


async def test_mail_and_archive_link_associations_and_missions_to_their_html_pages(
    newsletter_app: App, smtp_server: SmtpServer, clock: FrozenClock
) -> None:
    """Not to the JSON API (issue 12, item 9): the directory's public pages."""
    association = facts.association_validated(
        clock.now() - timedelta(days=1), name="Lecture partagée", themes=(), quartier=None
    )
    mission = facts.mission_published(
        clock.now() - timedelta(days=1), title="Lire aux enfants", themes=(), quartier=None
    )
    event = facts.event_published(
        clock.now() + timedelta(days=2), title="Veillée contes", themes=(), quartier=None
    )
    await publish_facts(newsletter_app, association, mission, event)
    slug = association[0].split(".")[2]
    mission_id = mission[0].split(".")[2]
    annuaire = newsletter_app.newsletter.settings.public_url("annuaire")
    expected = {
        f"{annuaire}/associations/{slug}",
        f"{annuaire}/missions/{mission_id}",
        str(event[1].event.url),  # type: ignore[attr-defined]
    }
    email = random_email()
    await active_subscriber(newsletter_app, email)
    edition = await send_edition(newsletter_app)
    (mail,) = mails_to(smtp_server, email)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    archive = (await newsletter_app.client.get(f"/archives/{edition.id}")).text
    for document in (html, text, archive):
        for url in expected:
            assert url in document
        assert "/api/" not in document
