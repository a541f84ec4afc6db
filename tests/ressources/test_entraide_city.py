"""The city answers an annonce as itself (issue 17: « a signed-in association (or the city)
answers »), end to end: the ressources and newsletter apps on a nats-server of their own,
a real SMTP server (aiosmtpd). The city's team opens a conversation from its space; the mail
reaches the author's private contact signed by the Service Vie associative; the author's
answer reaches the city's team address, with the link to the city's space; no address is
shown on either side; no association can read or write in the city's conversation."""

from __future__ import annotations

import secrets

import nats
import pytest

from tests.newsletter.conftest import mails_to, random_monday, running, until
from tests.ressources.catalogue_app import Client
from tests.ressources.entraide_support import (
    SPACE,
    Member,
    annonce_form,
    member,
    post_annonce,
    running_entraide,
)
from tests.ressources.reservation_app import city
from tests.ressources.test_entraide_e2e import (
    newsletter_settings,
    own_nats,  # noqa: F401 - the fixture
    text_of,
    whole,
)
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.annonces import CITY_NAME
from vieasso.common.messages.courrier import ASSOCIATIONS_TEAM
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats, pytest.mark.smtp, pytest.mark.e2e, pytest.mark.timeout(240)]

TEAM = "equipe-vie-associative@ville.test"
CITY_SPACE = "/espace-ville/entraide"
FROM_CITY = "Bonjour, la Ville peut vous mettre en relation avec la MJC voisine."
ANSWER = "Avec plaisir, merci !"


async def city_writes(client: Client, admin: dict[str, str], annonce_id: str) -> str:
    """From the city's space, two messages (the city is not rate-limited); the thread."""
    listing = assert_french_page(await client.http.get(CITY_SPACE, headers=admin))
    thread = f"{CITY_SPACE}/fils/{annonce_id}/ville"
    assert f'href="{thread}">Répondre au nom de la Ville' in listing
    page = assert_french_page(await client.http.get(f"/entraide/{annonce_id}", headers=admin))
    assert f'<a href="{thread}">répondre au nom de la Ville</a>' in page
    empty = assert_french_page(await client.http.get(thread, headers=admin))
    assert "Aucun message encore" in empty
    for n in range(2):
        sent = await client.http.post(thread, data={"message": f"{FROM_CITY} ({n})"}, headers=admin)
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == thread
    return thread


async def author_answers(client: Client, smtp: SmtpServer, author: Member, annonce_id: str) -> str:
    """The author's mail is signed by the city and links to its own space, where it reads
    and answers; the thread's path in its space."""
    await until(lambda: len(mails_to(smtp, author.email)) == 2, seconds=60)
    first = mails_to(smtp, author.email)[0]
    theirs = f"{SPACE}/fils/{annonce_id}/ville"
    for fact in (CITY_NAME, f"{FROM_CITY} (0)", f"https://ressources.test{theirs}"):
        assert fact in text_of(first), fact
    assert TEAM not in whole(first)
    page = assert_french_page(await client.http.get(theirs, headers=author.headers))
    assert f"Conversation avec {CITY_NAME}" in page
    assert f"{FROM_CITY} (1)" in page
    assert TEAM not in page
    answer = await client.http.post(theirs, data={"message": ANSWER}, headers=author.headers)
    assert answer.status_code == 303, answer.text
    return theirs


async def team_reads(  # noqa: PLR0917 - the scene's actors
    client: Client, smtp: SmtpServer, admin: dict[str, str], author: Member, thread: str,
    title: str,
) -> None:  # fmt: skip
    """The answer reaches the team's address with the link to the city's space; the city's
    pages show it, never the association's address."""
    await until(lambda: mails_to(smtp, TEAM), seconds=60)
    [to_team] = mails_to(smtp, TEAM)
    text = text_of(to_team)
    for fact in (ANSWER, f"https://ressources.test{thread}", "espace Ville"):
        assert fact in text, fact
    assert author.email not in whole(to_team)
    seen = assert_french_page(await client.http.get(thread, headers=admin))
    assert ANSWER in seen
    assert author.email not in seen
    listing = (await client.http.get(CITY_SPACE, headers=admin)).text
    assert title in listing.split("Conversations de la Ville")[1]


async def nobody_else(
    client: Client, smtp: SmtpServer, other: Member, thread: str, theirs: str
) -> None:
    """Another association neither reads nor writes in the city's conversation."""
    assert (await client.http.get(theirs, headers=other.headers)).status_code == 404
    forged = await client.http.post(
        theirs, data={"message": "Je suis la Ville"}, headers=other.headers
    )
    assert forged.status_code == 403
    to_sign_in = await client.http.get(thread, headers=other.headers)
    assert to_sign_in.status_code == 303  # to the city's sign-in page
    assert "/espace-ville" in to_sign_in.headers["location"]
    assert "/connexion" in to_sign_in.headers["location"]
    refused = await client.http.post(thread, data={"message": "x"}, headers=other.headers)
    assert refused.status_code in (401, 403)
    assert not mails_to(smtp, other.email)


async def test_the_city_answers_an_annonce_as_itself_without_showing_any_address(
    own_nats: NatsServer,  # noqa: F811 - the fixture
    smtp_server: SmtpServer,
) -> None:
    clock = FrozenClock(random_monday())
    nc = await nats.connect(own_nats.url)
    teams = {ASSOCIATIONS_TEAM: [TEAM], "prets": ["prets@ville.test"]}
    letters = newsletter_settings(own_nats.url, smtp_server)
    letters = letters.model_copy(update={"courrier_city_teams": teams})
    try:
        js = nc.jetstream()
        await provision(js, 1)
        limits = {"ressources_entraide_per_annonce": 1}  # the city is not limited
        async with (
            running(letters, clock),
            running_entraide(own_nats.url, clock, **limits) as client,
        ):
            author = await member(js, client, "Comité des fêtes", at=clock.now())
            other = await member(js, client, "Curieux", at=clock.now())
            title = f"Besoin de bras {secrets.token_hex(3)}"
            annonce_id = await post_annonce(client, author, annonce_form(title=title))
            admin = await city(js, client)
            thread = await city_writes(client, admin, annonce_id)
            theirs = await author_answers(client, smtp_server, author, annonce_id)
            await team_reads(client, smtp_server, admin, author, thread, title)
            await nobody_else(client, smtp_server, other, thread, theirs)
    finally:
        await nc.close()
