"""Entraide end to end (issue 17): the ressources and newsletter apps in-process on a
nats-server of their own, a real SMTP server (aiosmtpd). An association publishes a need;
the associations' letter carries it to the associations that opted in and are close to it
(a theme in common, the same quartier), to no one else; another association answers it:
the mail reaches the author's private contact with the replier's public contact and the
thread's link, and the author's address is never shown to the replier (its mail, its
pages); the expiry day passed, the sweeper closes the annonce."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import nats
import pytest

from tests.newsletter.conftest import BASE, App, mails_to, random_monday, running, until
from tests.ressources.catalogue_app import read_facts
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
from tests.support.nats_server import NatsServer
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.nats.provisioning import provision
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import ASSOCIATIONS_LETTER, Edition, EditionState
from vieasso.ressources.domain.annonces import AnnonceState

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.timeout(240)]


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A server of its own: the newsletter empties the COURRIER work queue it consumes."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


def newsletter_settings(nats_url: str, smtp: SmtpServer) -> NewsletterSettings:
    return NewsletterSettings(
        nats_url=nats_url,
        smtp_port=smtp.port,
        token_secret=secrets.token_urlsafe(24),
        admin_token=secrets.token_urlsafe(24),
        public_base_url=BASE,
        log_json=False,
        send_retry_base=0.05,
        send_retry_max=0.2,
        send_ack_wait=3.0,
        digest_schedule=False,
    )


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def whole(mail: EmailMessage) -> str:
    return mail.as_string()


async def wait_sent(app: App, edition: Edition) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = await app.newsletter.editions.store.get(edition.id)
        if record is not None and record[0].state is EditionState.SENT:
            return
        await app.newsletter.editions.finish_if_done(edition.id)
        await asyncio.sleep(0.05)
    raise AssertionError(f"edition {edition.id} not sent in time")


async def test_publish_letter_reply_without_address_then_expiry(
    own_nats: NatsServer, smtp_server: SmtpServer
) -> None:
    clock = FrozenClock(random_monday())
    nc = await nats.connect(own_nats.url)
    try:
        js = nc.jetstream()
        await provision(js, 1)
        theme, quartier, other = new_code("t"), new_code("q"), new_code("t")
        async with (
            running(newsletter_settings(own_nats.url, smtp_server), clock) as letter_app,
            running_entraide(own_nats.url, clock) as client,
        ):
            await reference(js, client, theme, quartier)
            await reference(js, client, other, new_code("q"))
            at = clock.now() - timedelta(days=400)  # validated long ago: not « new » in it
            author = await member(js, client, "Comité des fêtes de Battant", at=at,
                                  themes=(theme,), quartier=quartier)  # fmt: skip
            replier = await member(js, client, "Jardins partagés", at=at, themes=(theme,),
                                   phone="03 81 11 22 33")  # fmt: skip
            by_quartier = await member(js, client, "Chorale du quartier", at=at,
                                       quartier=quartier)  # fmt: skip
            not_in = await member(js, client, "Théâtre sans lettre", at=at, themes=(theme,))
            far = await member(js, client, "Club loin", at=at, themes=(other,))
            for who in (author, replier, by_quartier, far):
                answer = await client.http.post(
                    f"{SPACE}/lettre", data={"lettre": "oui"}, headers=who.headers
                )
                assert answer.status_code == 303, answer.text

            title = f"Besoin d'un barnum {secrets.token_hex(3)}"
            annonce_id = await post_annonce(
                client, author,
                annonce_form(title=title, themes=theme, quartier=quartier,
                             expires_on=(clock.now() + timedelta(days=20)).date().isoformat()),
            )  # fmt: skip
            index = letter_app.newsletter.index
            await until(
                lambda: (
                    annonce_id in index.annonces
                    and {author.slug, replier.slug, by_quartier.slug, far.slug}
                    <= index.entraide_readers
                ),
                seconds=30,
            )

            # the letter: to the associations close to it that opted in, never the others
            clock.advance(timedelta(hours=1))
            await wait_sent(
                letter_app, await letter_app.newsletter.editions.build(ASSOCIATIONS_LETTER)
            )
            for reader in (replier, by_quartier):
                [mail] = mails_to(smtp_server, reader.email)
                assert title in text_of(mail)
                assert f"{BASE}/entraide/{annonce_id}" in text_of(mail)
            for left_out in (author, not_in, far):
                assert all(title not in text_of(m) for m in mails_to(smtp_server, left_out.email))

            # a reply reaches the author's private contact, with the replier's public one
            message = "Bonjour, nous avons un barnum 3 × 3 m à prêter ce week-end."
            answer = await client.http.post(
                f"/entraide/{annonce_id}/repondre", data={"message": message},
                headers=replier.headers,
            )  # fmt: skip
            assert answer.status_code == 303, answer.text
            thread = answer.headers["location"]
            assert thread == f"{SPACE}/fils/{annonce_id}/{replier.slug}"

            def relayed(to: Member) -> list[EmailMessage]:
                return [m for m in mails_to(smtp_server, to.email) if "Entraide" in m["Subject"]]

            await until(lambda: relayed(author), seconds=60)
            [to_author] = relayed(author)
            text = text_of(to_author)
            for fact in (replier.name, message, "03 81 11 22 33",
                         f"/associations/{replier.slug}", f"https://ressources.test{thread}"):  # fmt: skip
                assert fact in text, fact
            assert replier.email not in whole(to_author)

            # the author answers in the thread: the replier's mail and pages never show
            # the author's address
            answer = await client.http.post(
                thread, data={"message": "Merci ! Samedi 10 h ?"}, headers=author.headers
            )
            assert answer.status_code == 303, answer.text
            await until(lambda: relayed(replier), seconds=60)
            [to_replier] = relayed(replier)
            assert "Merci ! Samedi 10 h ?" in text_of(to_replier)
            assert author.email not in whole(to_replier)
            for path in (thread, f"/entraide/{annonce_id}", "/entraide", SPACE):
                page = await client.http.get(path, headers=replier.headers)
                assert page.status_code == 200, path
                assert author.email not in page.text, path
            seen = await client.http.get(thread, headers=author.headers)
            assert message in seen.text and "Merci ! Samedi 10 h ?" in seen.text
            assert replier.email not in seen.text

            # the expiry day passed: the sweeper closes it
            clock.advance(timedelta(days=22))
            assert await entraide_of(client).close_expired() == [annonce_id]
            annonce = entraide_of(client).store.annonce(annonce_id)
            assert annonce is not None and annonce.state is AnnonceState.CLOSED
            assert title not in (await client.http.get("/entraide")).text
            assert "Annonce close" in (await client.http.get(f"/entraide/{annonce_id}")).text
            facts = await read_facts(js, f"ressources.annonces.{author.slug}.*")
            assert [f["subject"].rsplit(".", 1)[1] for f in facts] == [
                "letter", "published", "closed"
            ]  # fmt: skip
            assert all(author.email not in str(f) for f in facts)
    finally:
        await nc.close()
