"""The associations' letter (issue 13, SPEC §8): `send-digest --audience associations` as a
real process on real NATS and a real SMTP server — who gets what, the headers, at most once
per (edition, association), the one-click opt-out and the next edition, the archive; hard
bounces; the monthly schedule."""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from rich.console import Console

from tests.newsletter import facts
from tests.newsletter.conftest import BASE, App, mails_to, random_email, running, until
from tests.newsletter.letter_support import (
    Asso,
    asso,
    code,
    meeting,
    opt_out,
    publish,
    put_in_directory,
)
from tests.support.processes import VENV_BIN, Process, wait_until
from tests.support.smtp import SmtpServer
from vieasso.common import subjects
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.nats.provisioning import provision
from vieasso.common.subjects import LetterChange
from vieasso.common.tasks import stop_task
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.content import EditionContent, Item
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState
from vieasso.newsletter.domain.edition import (
    ASSOCIATIONS_LETTER,
    Edition,
    EditionState,
    next_monthly_run,
)
from vieasso.newsletter.domain.letter import LetterSelector, Profile
from vieasso.newsletter.domain.subscriber import Topic
from vieasso.newsletter.entrypoints.cli_digest import _run
from vieasso.newsletter.entrypoints.schedule import Schedule

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

PARIS = ZoneInfo("Europe/Paris")
FORUM = "Forum des associations"
LIST_ID = "<associations.lettre.vie-associative.besancon.fr>"
UNSUBSCRIBE = re.compile(
    r"<(https://newsletter\.test/lettre-des-associations/desabonnement\?token=[A-Za-z0-9_.=-]+)>"
)


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None, "no plain-text part"
    return str(part.get_content())


def send_digest(settings: NewsletterSettings, smtp: SmtpServer, log: Path) -> Process:
    """`vieasso-newsletter send-digest --audience associations`, run to its end."""
    env = {
        "VIEASSO_NATS_URL": settings.nats_url,
        "VIEASSO_SMTP_PORT": str(smtp.port),
        "VIEASSO_PUBLIC_BASE_URL": BASE,
        "VIEASSO_TOKEN_SECRET": settings.token_secret.get_secret_value(),
        "VIEASSO_ADMIN_TOKEN": settings.admin_token.get_secret_value(),
        "VIEASSO_SEND_ACK_WAIT": "3",
        "VIEASSO_LOG_JSON": "false",
    }
    argv = [str(VENV_BIN / "vieasso-newsletter"), "send-digest", "--audience", "associations"]
    process = Process(argv, log=log, env=env).start()
    try:
        wait_until(lambda: not process.running, timeout=120, what="send-digest to end")
    finally:
        process.kill()
    assert process.popen is not None
    assert process.popen.returncode == 0, process.output()[-3000:]
    return process


async def wait_sent(app: App, edition: Edition) -> Edition:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record = await app.newsletter.editions.store.get(edition.id)
        if record is not None and record[0].state is EditionState.SENT:
            return record[0]
        await app.newsletter.editions.finish_if_done(edition.id)
        await asyncio.sleep(0.05)
    raise AssertionError(f"edition {edition.id} not sent in time")


@dataclass(frozen=True)
class Cast:
    """The directory of the test: recipients, non-recipients, and the new associations."""

    reader_by_theme: Asso
    reader_by_quartier: Asso
    opted_out: Asso
    pending: Asso
    archived: Asso
    new_same_theme: Asso
    new_same_quartier: Asso


async def cast(js: JetStreamContext, now: datetime) -> Cast:
    """Associations in the directory's bucket and their facts, one opt-out (from the
    association space), an event for associations and one for residents."""
    theme, quartier = code("t"), code("q")
    before = now - timedelta(hours=2)
    pending, archived = AssociationState.PENDING, AssociationState.ARCHIVED
    c = Cast(
        reader_by_theme=asso(before, "Théâtre du Doubs", themes=(theme,)),
        reader_by_quartier=asso(before, "Jardins de Planoise", quartier=quartier),
        opted_out=asso(before, "Chorale qui ne veut plus", themes=(theme,)),
        pending=asso(before, "Association en attente", themes=(theme,), state=pending),
        archived=asso(before, "Association archivée", themes=(theme,), state=archived),
        # new associations that are not recipients (no contact)
        new_same_theme=asso(before, "Compagnie Nouvelle Scène", themes=(theme,), contact=False),
        new_same_quartier=asso(before, "Amicale des Époisses", quartier=quartier, contact=False),
    )
    everyone = [getattr(c, f.name) for f in fields(c)]
    await put_in_directory(js, *everyone)
    await opt_out(js, c.opted_out.slug)
    soon = now + timedelta(days=3)
    await publish(
        js,
        *(a.fact() for a in everyone),
        meeting(soon, FORUM),
        facts.event_published(soon, title="Concert tout public", themes=(theme,), quartier=None),
    )
    return c


def check_first_letter(smtp: SmtpServer, c: Cast, eid: str, domain: str) -> str:
    """Who got what, with which headers; the one-click link of the first reader."""
    (mail,) = mails_to(smtp, c.reader_by_theme.email or "")
    text = text_of(mail)
    assert c.new_same_theme.name in text
    assert FORUM in text
    # never itself, nothing not close to it, no event for residents, no pending or archived
    for absent in (c.reader_by_theme, c.new_same_quartier, c.pending, c.archived):
        assert absent.name not in text
    assert "Concert tout public" not in text
    (other,) = mails_to(smtp, c.reader_by_quartier.email or "")
    assert c.new_same_quartier.name in text_of(other)
    assert c.new_same_theme.name not in text_of(other)
    for nobody in (c.opted_out, c.pending, c.archived):
        assert mails_to(smtp, nobody.email or "") == []
    # the headers of RFC 8058 and the letter's own List-Id; a real plain-text part
    assert mail["List-Id"] == LIST_ID
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = UNSUBSCRIBE.fullmatch(str(mail["List-Unsubscribe"]))
    assert found, mail["List-Unsubscribe"]
    assert found.group(1) in text  # the visible link, the same one
    assert mail["Message-ID"] == f"<{eid}.{c.reader_by_theme.slug}@{domain}>"
    assert mail["Date"]
    assert mail["Subject"].startswith("La lettre des associations — ")
    assert f"{BASE}/lettre-des-associations/archives/{eid}" in text
    html = mail.get_body(("html",))
    assert html is not None
    assert FORUM in str(html.get_content())
    return found.group(1)


async def last_choice(js: JetStreamContext, slug: str, change: LetterChange) -> LetterChoice:
    """The last `LetterChoice` fact of the association on the NEWSLETTER stream."""
    msg = await js.get_last_msg("NEWSLETTER", subjects.letter_choice(slug, change))
    return LetterChoice.model_validate_json(msg.data or b"")


async def leave_by_one_click(app: App, js: JetStreamContext, slug: str, link: str) -> None:
    """GET shows a button and changes nothing; POST publishes the association's choice."""
    choice_subject = subjects.letter_choice(slug, LetterChange.UNSUBSCRIBED)
    page = await app.client.get(link)  # a link scanner, or a person before the button
    assert page.status_code == 200
    assert "<button" in page.text
    with pytest.raises(NotFoundError):
        await js.get_last_msg("NEWSLETTER", choice_subject)
    left = await app.client.post(  # as a mail provider posts it, from its own site
        link,
        content=b"List-Unsubscribe=One-Click",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://mail.example.net",
            "Sec-Fetch-Site": "cross-site",
        },
    )
    assert left.status_code == 200, left.text
    fact = await last_choice(js, slug, LetterChange.UNSUBSCRIBED)
    assert (fact.association, fact.subscribed, fact.source) == (slug, False, "lien-en-un-clic")
    tampered = await app.client.post(link[:-3] + "xyz", content=b"List-Unsubscribe=One-Click")
    assert tampered.status_code == 400


async def check_archive(app: App, c: Cast, eid: str) -> None:
    """The letter's own archive pages: every item, nothing about one association."""
    client = app.client
    archives = await client.get("/lettre-des-associations/archives")
    assert archives.status_code == 200
    assert f"/lettre-des-associations/archives/{eid}" in archives.text
    archive = await client.get(f"/lettre-des-associations/archives/{eid}")
    assert archive.status_code == 200
    assert c.new_same_theme.name in archive.text
    assert FORUM in archive.text
    as_mailed = await client.get(f"/lettre-des-associations/archives/{eid}/lettre")
    assert as_mailed.status_code == 200
    for page in (archive.text, as_mailed.text):
        assert "example.org" not in page
        assert "token=" not in page
    assert (await client.get(f"/archives/{eid}")).status_code == 404  # not the residents'
    assert f'/archives/{eid}"' not in (await client.get("/archives")).text


async def announce(app: App, js: JetStreamContext, title: str, start: datetime) -> None:
    """An event for associations, once the letter's index holds it."""
    await publish(js, meeting(start, title))
    await until(lambda: any(i.title == title for i in app.newsletter.index.events.values()))


async def test_send_digest_associations_selects_sends_once_and_lets_associations_leave(
    js: JetStreamContext,
    newsletter_settings: NewsletterSettings,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    await provision(js, replicas=1)
    now = datetime.now(UTC)
    c = await cast(js, now)

    first = send_digest(newsletter_settings, smtp_server, tmp_path / "first.log")
    eid = ASSOCIATIONS_LETTER.edition_id(now, PARIS)
    assert f"Édition {eid}" in first.output()
    link = check_first_letter(smtp_server, c, eid, newsletter_settings.domain)

    send_digest(newsletter_settings, smtp_server, tmp_path / "second.log")
    assert len(mails_to(smtp_server, c.reader_by_theme.email or "")) == 1  # never twice

    clock = FrozenClock(datetime.now(UTC))
    async with running(newsletter_settings, clock) as app:
        await leave_by_one_click(app, js, c.reader_by_theme.slug, link)
        await check_archive(app, c, eid)

        # next month: the association that left is skipped, the others get the letter
        clock.advance(timedelta(days=32))
        await announce(app, js, "Formation trésorerie", clock.now() + timedelta(days=5))
        second = await wait_sent(app, await app.newsletter.editions.build(ASSOCIATIONS_LETTER))
        assert second.id != eid
        assert len(mails_to(smtp_server, c.reader_by_theme.email or "")) == 1
        mails = mails_to(smtp_server, c.reader_by_quartier.email or "")
        assert len(mails) == 2
        assert "Formation trésorerie" in text_of(mails[1])
        assert c.new_same_quartier.name not in text_of(mails[1])  # not new any more


async def test_hard_bounce_skips_the_address_until_the_contact_changes(
    js: JetStreamContext, newsletter_app: App, smtp_server: SmtpServer
) -> None:
    app = newsletter_app
    clock = app.newsletter.clock
    assert isinstance(clock, FrozenClock)
    bouncing = asso(clock.now() - timedelta(days=1), "Club des adresses perdues")
    await put_in_directory(js, bouncing)
    await until(lambda: app.newsletter.contacts.get(bouncing.slug) is not None)
    address = bouncing.email or ""
    smtp_server.handler.fail_next[address] = 550

    async def edition_with_news(title: str) -> Edition:
        await announce(app, js, title, clock.now() + timedelta(days=4))
        return await wait_sent(app, await app.newsletter.editions.build(ASSOCIATIONS_LETTER))

    first = await edition_with_news("Blablasso de janvier")
    kv = await js.key_value("newsletter_deliveries")
    entry = await kv.get(f"{first.id}.{bouncing.slug}")
    assert LedgerEntry.model_validate_json(entry.value or b"").state is LedgerState.BOUNCED
    assert first.bounced >= 1

    clock.advance(timedelta(days=35))
    second = await edition_with_news("Blablasso de février")
    with pytest.raises(NotFoundError):
        await kv.get(f"{second.id}.{bouncing.slug}")  # not even planned
    assert mails_to(smtp_server, address) == []

    moved = Asso(bouncing.record, f"nouvelle-{bouncing.slug}@example.org")
    await put_in_directory(js, moved)
    await until(lambda: app.newsletter.contacts.get(bouncing.slug).email == moved.email)  # type: ignore[union-attr]
    clock.advance(timedelta(days=35))
    await edition_with_news("Blablasso de mars")
    (mail,) = mails_to(smtp_server, moved.email or "")
    assert "Blablasso de mars" in text_of(mail)


def test_nothing_to_say_means_no_mail_and_never_oneself() -> None:
    at = datetime(2026, 12, 7, 7, tzinfo=UTC)
    newcomer = Item(
        key="a:les-amis-de-battant",
        topic=Topic.ASSOCIATIONS,
        title="Les Amis de Battant",
        url="https://annuaire.test/associations/les-amis-de-battant",
        when=at,
        themes=frozenset({"culture"}),
        quartier="battant",
    )
    selector = LetterSelector(EditionContent(associations=(newcomer,)), max_per_section=8)
    assert selector.select(Profile("les-amis-de-battant", frozenset({"culture"}), "battant")) == ()
    assert selector.select(Profile("velo-club", frozenset({"sport"}), "planoise")) == ()
    assert selector.select(Profile("theatre", frozenset({"culture"}), None)) == (0,)
    assert selector.select(Profile("voisins", frozenset(), "battant")) == (0,)


def test_the_letter_is_due_on_the_first_monday_of_the_month_at_eight() -> None:
    eight = clock_time(8, 0)
    first_monday = datetime(2026, 12, 7, 8, 0, tzinfo=PARIS)
    assert next_monthly_run(datetime(2026, 11, 20, tzinfo=PARIS), 0, eight, PARIS) == first_monday
    assert next_monthly_run(first_monday, 0, eight, PARIS) == datetime(2027, 1, 4, 8, tzinfo=PARIS)
    summer = next_monthly_run(datetime(2027, 3, 1, 9, tzinfo=PARIS), 0, eight, PARIS)
    assert summer == datetime(2027, 4, 5, 8, tzinfo=PARIS)  # after the change to summer time
    assert ASSOCIATIONS_LETTER.edition_id(first_monday, PARIS) == "associations-2026-m12"


async def test_choices_from_the_association_space_are_followed_and_the_button_is_recorded(
    js: JetStreamContext, newsletter_app: App
) -> None:
    app = newsletter_app
    choices = app.newsletter.letter_choices
    member = asso(app.newsletter.clock.now(), "Vélo-club de Velotte")
    assert choices.subscribed(member.slug)  # never chose: receives the letter
    await opt_out(js, member.slug)  # published by the association space while running
    await until(lambda: not choices.subscribed(member.slug))
    back = LetterChoice(
        association=member.slug, subscribed=True, source="espace-association", form_version="t"
    )
    await js.publish(
        subjects.letter_choice(member.slug, LetterChange.SUBSCRIBED),
        back.model_dump_json().encode(),
    )
    await until(lambda: choices.subscribed(member.slug))
    other = asso(app.newsletter.clock.now(), "Autre association")
    forged = LetterChoice(  # the body names another association than the subject
        association=member.slug, subscribed=False, source="espace-association", form_version="t"
    )
    await js.publish(
        subjects.letter_choice(other.slug, LetterChange.UNSUBSCRIBED),
        forged.model_dump_json().encode(),
    )
    await opt_out(js, other.slug)  # read after the forged one
    await until(lambda: not choices.subscribed(other.slug))
    assert choices.subscribed(member.slug)

    link = app.newsletter.links.letter_unsubscribe(member.slug)
    left = await app.client.post(
        link,
        content=b"depuis=page",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert left.status_code == 200
    assert "ne recevra plus" in left.text
    fact = await last_choice(js, member.slug, LetterChange.UNSUBSCRIBED)
    assert fact.source == "lien-desabonnement"
    assert not choices.subscribed(member.slug)
    residents = app.newsletter.links.unsubscribe("abcdef0123").split("?", 1)[1]
    refused = await app.client.post(  # a residents' unsubscribe token is not the letter's
        f"/lettre-des-associations/desabonnement?{residents}",
        content=b"List-Unsubscribe=One-Click",
    )
    assert refused.status_code == 400


async def test_dry_run_and_preview_of_the_associations_letter(
    js: JetStreamContext, newsletter_settings: NewsletterSettings, smtp_server: SmtpServer
) -> None:
    await provision(js, replicas=1)
    now = datetime.now(UTC)
    title = f"Atelier subventions {code('n')}"
    await publish(
        js,
        meeting(now + timedelta(days=6), title),
    )
    out = io.StringIO()
    console = Console(file=out, width=160)

    assert await _run(newsletter_settings, ASSOCIATIONS_LETTER, True, None, console) == 0
    assert "--dry-run" in out.getvalue()
    assert ASSOCIATIONS_LETTER.edition_id(now, PARIS) in out.getvalue()

    email = random_email("apercu-lettre")
    assert await _run(newsletter_settings, ASSOCIATIONS_LETTER, False, email, console) == 0
    (mail,) = mails_to(smtp_server, email)
    assert mail["Subject"].startswith("[Aperçu] La lettre des associations")
    assert mail["List-Id"] == LIST_ID
    assert title in text_of(mail)


async def test_the_schedule_builds_the_letter_of_the_month_on_its_first_monday(
    newsletter_settings: NewsletterSettings,
) -> None:
    # years after every other test's editions (theirs end by 2899): no shared month
    first = datetime(2900 + secrets.randbelow(99), 1 + secrets.randbelow(12), 1, 8, tzinfo=PARIS)
    first += timedelta(days=-first.weekday() % 7)
    clock = FrozenClock(first + timedelta(minutes=3))  # just after: a run to catch up
    async with running(newsletter_settings, clock) as app:
        schedule = Schedule(app.newsletter.editions, newsletter_settings, clock)
        task = asyncio.create_task(schedule.run_letter())
        try:
            eid = ASSOCIATIONS_LETTER.edition_id(first, PARIS)
            store = app.newsletter.editions.store
            found: list[Edition] = []

            async def built() -> bool:
                record = await store.get(eid)
                if record is not None:
                    found.append(record[0])
                return record is not None

            deadline = time.monotonic() + 20
            while not await built():
                assert time.monotonic() < deadline, "no letter built on the first Monday"
                await asyncio.sleep(0.05)
            assert found[0].audience.value == "associations"
            assert eid == f"associations-{first.year}-m{first.month:02d}"
        finally:
            # not `task.cancel(); await task`: on Python 3.11 a cancellation arriving as a KV
            # read completes is lost (gh-86296) and the loop then waits for next month
            assert await stop_task(task)
