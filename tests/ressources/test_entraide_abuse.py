"""Entraide under abuse (issue 17): a flood of replies is rate-limited (per annonce, per
association and hour), exactly, even sent all at once to two replicas; a suspended
association cannot write; script and CRLF in texts are
refused or reach people as text; a reported annonce reaches the city, which hides it: it
leaves the list, the feeds, the exports, the API and the associations' letter."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import nats
import pytest
from nats.js import JetStreamContext

from tests.newsletter.conftest import mails_to, random_monday, running, until
from tests.ressources.catalogue_app import Client
from tests.ressources.entraide_support import (
    SPACE,
    Member,
    annonce_form,
    entraide_of,
    member,
    new_code,
    post_annonce,
    reference,
    running_entraide,
)
from tests.ressources.reservation_app import city
from tests.ressources.test_entraide_e2e import (
    newsletter_settings,
    own_nats,  # noqa: F401 - the fixture
    text_of,
    wait_sent,
)
from tests.support.courrier import stored_requests
from tests.support.nats_server import NatsServer
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.domain.edition import ASSOCIATIONS_LETTER

pytestmark = [pytest.mark.nats]
SCRIPT = "<script>alert('x')</script>"


async def test_a_reply_flood_is_rate_limited_and_a_suspended_association_cannot_write(
    js: JetStreamContext, nats_url: str
) -> None:
    clock = FrozenClock(random_monday())
    limits = {"ressources_entraide_per_annonce": 3, "ressources_entraide_per_hour": 5}
    async with running_entraide(nats_url, clock, **limits) as client:
        at = clock.now()
        author = await member(js, client, "Auteur", at=at)
        flood = await member(js, client, "Bavarde", at=at)
        first, second = [await post_annonce(client, author, annonce_form()) for _ in range(2)]

        async def reply(annonce_id: str, n: int) -> int:
            answer = await client.http.post(
                f"/entraide/{annonce_id}/repondre", data={"message": f"Message {n}"},
                headers=flood.headers,
            )  # fmt: skip
            return answer.status_code

        assert [await reply(first, n) for n in range(4)] == [303, 303, 303, 429]
        refused = await client.http.post(
            f"/entraide/{first}/repondre", data={"message": "encore"}, headers=flood.headers
        )
        assert "messages sur cette annonce dans l&#39;heure" in refused.text
        assert [await reply(second, n) for n in range(3)] == [303, 303, 429]  # 5 in the hour
        thread = entraide_of(client).store.threads.items[f"fil.{first}.{flood.slug}"]
        assert len(thread.messages) == 3
        mails = [r for r in await stored_requests(js, "ressources") if r["to"].get("association")
                 == author.slug]  # fmt: skip
        assert len(mails) == 5  # one mail per message let through, none for the refused

        clock.advance(timedelta(hours=1, seconds=1))
        assert await reply(first, 9) == 303

        admin = await city(js, client)
        suspend = await client.http.post(
            f"/espace-ville/entraide/associations/{flood.slug}", data={"suspendre": "oui"},
            headers=admin,
        )  # fmt: skip
        assert suspend.status_code == 303
        assert await reply(second, 10) == 403
        restore = await client.http.post(
            f"/espace-ville/entraide/associations/{flood.slug}", data={"suspendre": "non"},
            headers=admin,
        )  # fmt: skip
        assert restore.status_code == 303
        assert await reply(second, 11) == 303


async def test_replies_sent_all_at_once_to_two_replicas_stop_exactly_at_the_limit(
    js: JetStreamContext, nats_url: str
) -> None:
    """Each reply reads the association's count and claims one more by compare-and-set: ten
    replies sent at the same moment, half to each replica, let exactly the limit through."""
    clock = FrozenClock(random_monday())
    limits = {"ressources_entraide_per_annonce": 5, "ressources_entraide_per_hour": 3}
    async with (
        running_entraide(nats_url, clock, **limits) as one,
        running_entraide(nats_url, clock, **limits) as two,
    ):
        at = clock.now()
        author = await member(js, one, "Auteur", at=at)
        flood = await member(js, one, "Pressée", at=at)
        annonces = [await post_annonce(one, author, annonce_form()) for _ in range(10)]
        await until(lambda: all(entraide_of(two).store.annonce(a) for a in annonces))

        async def reply(client: Client, annonce_id: str) -> int:
            answer = await client.http.post(
                f"/entraide/{annonce_id}/repondre", data={"message": "Bonjour !"},
                headers=flood.headers,
            )  # fmt: skip
            return answer.status_code

        replicas = (one, two) * 5
        codes = await asyncio.gather(
            *(reply(c, a) for c, a in zip(replicas, annonces, strict=True))
        )
        assert sorted(codes) == [303] * 3 + [429] * 7
        await until(lambda: len(entraide_of(one).threads_of(flood.slug)) == 3)
        mails = [r for r in await stored_requests(js, "ressources") if r["to"].get("association")
                 == author.slug]  # fmt: skip
        assert len(mails) == 3


async def test_script_and_crlf_in_texts_are_refused_or_shown_as_text(
    js: JetStreamContext, nats_url: str
) -> None:
    clock = FrozenClock(random_monday())
    async with running_entraide(nats_url, clock) as client:
        author = await member(js, client, "Auteur", at=clock.now())
        crlf = annonce_form(title="Barnum\r\nBcc: victime@exemple.fr")
        refused = await client.http.post(SPACE, data=crlf, headers=author.headers)
        assert refused.status_code == 422
        assert "Ce texte doit tenir sur une ligne" in refused.text
        assert not [a for a in entraide_of(client).store.annonces.items.values()
                    if a.association_slug == author.slug]  # fmt: skip

        form = annonce_form(title=f"Barnum {SCRIPT}", description=f"Texte\r\n{SCRIPT}")
        annonce_id = await post_annonce(client, author, form)
        stored = entraide_of(client).store.annonce(annonce_id)
        assert stored is not None
        assert stored.description == f"Texte\n{SCRIPT}"  # CRLF kept as one line break
        for path in (f"/entraide/{annonce_id}", "/entraide", "/entraide.rss", "/entraide.atom"):
            body = (await client.http.get(path)).text
            assert "<script>alert" not in body, path
        page = (await client.http.get(f"/entraide/{annonce_id}")).text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        rss = (await client.http.get("/entraide.rss")).text
        assert "&amp;lt;script&amp;gt;" in rss  # escaped as HTML, then as XML


async def script_in_a_reply(
    client: Client, smtp: SmtpServer, annonce_id: str, by: Member, to: Member
) -> None:
    """A reply with a script and CRLF reaches the author as text in both parts."""
    answer = await client.http.post(
        f"/entraide/{annonce_id}/repondre", data={"message": f"Bonjour\r\n{SCRIPT}"},
        headers=by.headers,
    )  # fmt: skip
    assert answer.status_code == 303
    await until(lambda: mails_to(smtp, to.email), seconds=60)
    [relay] = mails_to(smtp, to.email)
    html_part = relay.get_body(("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert f"Bonjour\n{SCRIPT}" in text_of(relay)


async def test_a_hidden_annonce_leaves_lists_feeds_exports_and_letters(
    own_nats: NatsServer,  # noqa: F811 - the fixture
    smtp_server: SmtpServer,
) -> None:
    clock = FrozenClock(random_monday())
    nc = await nats.connect(own_nats.url)
    try:
        js = nc.jetstream()
        await provision(js, 1)
        theme, quartier = new_code("t"), new_code("q")
        async with (
            running(newsletter_settings(own_nats.url, smtp_server), clock) as letter_app,
            running_entraide(own_nats.url, clock) as client,
        ):
            await reference(js, client, theme, quartier)
            at = clock.now() - timedelta(days=400)
            author = await member(js, client, "Auteur", at=at, themes=(theme,))
            reader = await member(js, client, "Lectrice", at=at, themes=(theme,))
            await client.http.post(
                f"{SPACE}/lettre", data={"lettre": "oui"}, headers=reader.headers
            )
            kept_title, hidden_title = (
                f"{w} {secrets.token_hex(3)}" for w in ("Gardée", "Masquée")
            )
            kept = await post_annonce(client, author, annonce_form(title=kept_title, themes=theme))
            hidden = await post_annonce(
                client, author, annonce_form(title=hidden_title, themes=theme)
            )

            report = await client.http.post(
                f"/entraide/{hidden}/signaler", data={"raison": "Annonce commerciale"},
                headers=reader.headers,
            )  # fmt: skip
            assert report.status_code == 303
            admin = await city(js, client)
            city_page = (await client.http.get("/espace-ville/entraide", headers=admin)).text
            assert "Annonce commerciale" in city_page
            hide = await client.http.post(
                f"/espace-ville/entraide/annonces/{hidden}/masquer",
                data={"raison": "Publicité"}, headers=admin,
            )  # fmt: skip
            assert hide.status_code == 303

            for path in ("/entraide", "/entraide.rss", "/entraide.atom", "/export/annonces.csv",
                         "/export/annonces.json", "/api/annonces"):  # fmt: skip
                body = (await client.http.get(path)).text
                assert kept_title in body, path
                assert hidden_title not in body, path
            assert (await client.http.get(f"/entraide/{hidden}")).status_code == 404
            answer = await client.http.post(
                f"/entraide/{hidden}/repondre", data={"message": "Bonjour"}, headers=reader.headers
            )
            assert answer.status_code == 404

            index = letter_app.newsletter.index
            await until(lambda: kept in index.annonces and reader.slug in index.entraide_readers
                        and hidden not in index.annonces, seconds=30)  # fmt: skip
            clock.advance(timedelta(hours=1))
            await wait_sent(
                letter_app, await letter_app.newsletter.editions.build(ASSOCIATIONS_LETTER)
            )
            [mail] = mails_to(smtp_server, reader.email)
            assert kept_title in text_of(mail)
            assert hidden_title not in mail.as_string()
            await script_in_a_reply(client, smtp_server, kept, reader, author)
    finally:
        await nc.close()


async def test_an_association_cannot_close_another_s_annonce_nor_write_in_its_threads(
    js: JetStreamContext, nats_url: str
) -> None:
    clock = FrozenClock(random_monday())
    async with running_entraide(nats_url, clock) as client:
        author, replier, intruder = [
            await member(js, client, name, at=clock.now()) for name in ("A", "B", "C")
        ]
        annonce_id = await post_annonce(client, author, annonce_form())
        close = f"{SPACE}/annonces/{annonce_id}/fermer"
        assert (await client.http.post(close, headers=intruder.headers)).status_code == 404
        answer = await client.http.post(
            f"/entraide/{annonce_id}/repondre", data={"message": "Bonjour"},
            headers=replier.headers,
        )  # fmt: skip
        thread = answer.headers["location"]
        assert (await client.http.get(thread, headers=intruder.headers)).status_code == 404
        intrusion = await client.http.post(
            thread, data={"message": "Je m'invite"}, headers=intruder.headers
        )
        assert intrusion.status_code == 403
        opened = await client.http.post(
            f"{SPACE}/fils/{annonce_id}/{intruder.slug}", data={"message": "Bonjour"},
            headers=author.headers,
        )  # fmt: skip
        assert opened.status_code == 404  # the author answers; it does not open threads
        assert "Cette conversation n&#39;existe pas" in opened.text
        unit = entraide_of(client)
        assert [t.replier for t in unit.threads_of(author.slug)] == [replier.slug]
        assert (await client.http.post(close, headers=author.headers)).status_code == 303
