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
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from tests.newsletter.conftest import BASE, App, mails_to, random_monday, running, until
from tests.ressources.catalogue_app import Client, read_facts
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

PHONE = "03 81 11 22 33"
MESSAGE = "Bonjour, nous avons un barnum 3 × 3 m à prêter ce week-end."
BACK = "Merci ! Samedi 10 h ?"

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


@dataclass(frozen=True)
class Cast:
    author: Member
    replier: Member  # a theme in common, opted in
    by_quartier: Member  # the same quartier, opted in
    not_in: Member  # a theme in common, did not opt in
    far: Member  # opted in, nothing in common


async def cast(js: JetStreamContext, client: Client, theme: str, quartier: str) -> Cast:
    other = new_code("t")
    await reference(js, client, theme, quartier)
    await reference(js, client, other, new_code("q"))
    at = client.clock.now() - timedelta(days=400)  # validated long ago: not « new » in it
    c = Cast(
        author=await member(js, client, "Comité des fêtes de Battant", at=at, themes=(theme,),
                            quartier=quartier),
        replier=await member(js, client, "Jardins partagés", at=at, themes=(theme,),
                             phone=PHONE),
        by_quartier=await member(js, client, "Chorale du quartier", at=at, quartier=quartier),
        not_in=await member(js, client, "Théâtre sans lettre", at=at, themes=(theme,)),
        far=await member(js, client, "Club loin", at=at, themes=(other,)),
    )  # fmt: skip
    for who in (c.author, c.replier, c.by_quartier, c.far):
        answer = await client.http.post(
            f"{SPACE}/lettre", data={"lettre": "oui"}, headers=who.headers
        )
        assert answer.status_code == 303, answer.text
    return c


async def letter(letter_app: App, smtp: SmtpServer, c: Cast, annonce_id: str, title: str) -> None:
    """To the associations close to it that opted in, never to the others."""
    index = letter_app.newsletter.index
    readers = {c.author.slug, c.replier.slug, c.by_quartier.slug, c.far.slug}
    await until(
        lambda: annonce_id in index.annonces and readers <= index.entraide_readers, seconds=30
    )
    await wait_sent(letter_app, await letter_app.newsletter.editions.build(ASSOCIATIONS_LETTER))
    for reader in (c.replier, c.by_quartier):
        [mail] = mails_to(smtp, reader.email)
        assert title in text_of(mail)
        assert f"{BASE}/entraide/{annonce_id}" in text_of(mail)
        assert "Besoin · Matériel" in text_of(mail)
        assert "Entraide : offres et besoins d’associations proches de vous" in text_of(mail)
    for left_out in (c.author, c.not_in, c.far):
        assert all(title not in text_of(m) for m in mails_to(smtp, left_out.email))


def relayed(smtp: SmtpServer, to: Member) -> list[EmailMessage]:
    return [m for m in mails_to(smtp, to.email) if "Entraide" in str(m["Subject"])]


async def reply(client: Client, smtp: SmtpServer, c: Cast, annonce_id: str) -> str:
    """The reply reaches the author's private contact with the replier's public contact;
    the thread's path."""
    answer = await client.http.post(
        f"/entraide/{annonce_id}/repondre", data={"message": MESSAGE}, headers=c.replier.headers
    )
    assert answer.status_code == 303, answer.text
    thread = answer.headers["location"]
    assert thread == f"{SPACE}/fils/{annonce_id}/{c.replier.slug}"
    await until(lambda: relayed(smtp, c.author), seconds=60)
    [to_author] = relayed(smtp, c.author)
    text = text_of(to_author)
    link = f"https://ressources.test{thread}"
    for fact in (c.replier.name, MESSAGE, PHONE, f"/associations/{c.replier.slug}", link):
        assert fact in text, fact
    assert c.replier.email not in whole(to_author)
    return thread


async def answer_back(
    client: Client, smtp: SmtpServer, c: Cast, thread: str, annonce_id: str
) -> None:
    """The author answers in the thread: the replier's mail and pages never show the
    author's address (nor the author's pages the replier's)."""
    answer = await client.http.post(thread, data={"message": BACK}, headers=c.author.headers)
    assert answer.status_code == 303, answer.text
    await until(lambda: relayed(smtp, c.replier), seconds=60)
    [to_replier] = relayed(smtp, c.replier)
    assert BACK in text_of(to_replier)
    assert c.author.email not in whole(to_replier)
    for path in (thread, f"/entraide/{annonce_id}", "/entraide", SPACE):
        page = await client.http.get(path, headers=c.replier.headers)
        assert page.status_code == 200, path
        assert c.author.email not in page.text, path
    seen = (await client.http.get(thread, headers=c.author.headers)).text
    assert MESSAGE in seen
    assert BACK in seen
    assert c.replier.email not in seen


async def expiry(
    client: Client, js: JetStreamContext, c: Cast, annonce_id: str, title: str
) -> None:
    client.clock.advance(timedelta(days=22))
    assert await entraide_of(client).close_expired() == [annonce_id]
    annonce = entraide_of(client).store.annonce(annonce_id)
    assert annonce is not None
    assert annonce.state is AnnonceState.CLOSED
    assert title not in (await client.http.get("/entraide")).text
    assert "Annonce close" in (await client.http.get(f"/entraide/{annonce_id}")).text
    facts = await read_facts(js, f"ressources.annonces.{c.author.slug}.*")
    changes = [f["subject"].rsplit(".", 1)[1] for f in facts]
    assert changes == ["letter", "published", "closed"]
    assert all(c.author.email not in str(f) for f in facts)


async def test_publish_letter_reply_without_address_then_expiry(
    own_nats: NatsServer, smtp_server: SmtpServer
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
            c = await cast(js, client, theme, quartier)
            title = f"Besoin d'un barnum {secrets.token_hex(3)}"
            expires = (clock.now() + timedelta(days=20)).date().isoformat()
            form = annonce_form(title=title, themes=theme, quartier=quartier, expires_on=expires)
            annonce_id = await post_annonce(client, c.author, form)
            clock.advance(timedelta(hours=1))
            await letter(letter_app, smtp_server, c, annonce_id, title)
            thread = await reply(client, smtp_server, c, annonce_id)
            await answer_back(client, smtp_server, c, thread, annonce_id)
            await expiry(client, js, c, annonce_id, title)
    finally:
        await nc.close()
