"""Aid deadlines in the associations' letter (aides, issue 16): the newsletter indexes the
``aides.schemes.*`` facts and puts, among the events for associations, the deadlines of the
coming 60 days of the aids whose plain criteria (themes, quartiers, employer or not) may
suit each recipient. Pure rules first, then the letter built and sent on a real nats-server
to a real SMTP server."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nats
import pytest

from tests.newsletter.conftest import BASE, App, mails_to, random_monday, running, until
from tests.newsletter.letter_support import asso, code, publish, put_in_directory
from tests.support.nats_server import NatsServer
from tests.support.smtp import SmtpServer
from vieasso.common import subjects
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.aides import SchemePublic, SchemePublished, SchemeWithdrawn
from vieasso.common.messages.base import Message
from vieasso.common.nats.provisioning import provision
from vieasso.common.subjects import SchemeChange
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.aid_deadlines import deadline_items, next_deadline
from vieasso.newsletter.domain.content import Item
from vieasso.newsletter.domain.edition import ASSOCIATIONS_LETTER, EditionState
from vieasso.newsletter.domain.index import ContentIndex, Links
from vieasso.newsletter.domain.letter import Profile, aid_for
from vieasso.newsletter.domain.subscriber import Topic
from vieasso.newsletter.handlers.content import apply_fact

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2027, 3, 15)


def scheme(scheme_id: str | None = None, **fields: Any) -> SchemePublic:
    values: dict[str, Any] = {
        "id": scheme_id or f"aide-{secrets.token_hex(4)}",
        "name": f"Aide {secrets.token_hex(2)}",
        "short_description": "Pour les projets des associations.",
        "funders": ("Ville de Besançon",),
        "kinds": ("aide-projet",),
        "origin": "ville",
    }
    return SchemePublic.model_validate(values | fields)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"next_deadline": date(2027, 4, 1)}, date(2027, 4, 1)),
        ({"next_deadline": DAY}, DAY),
        ({"next_deadline": date(2027, 3, 1)}, None),  # passed, one date
        ({}, None),  # at any time
        # a yearly window published last year: this year's closing, then next year's
        ({"next_deadline": date(2026, 4, 30), "yearly_deadline": "04-30"}, date(2027, 4, 30)),
        ({"next_deadline": date(2026, 1, 31), "yearly_deadline": "01-31"}, date(2028, 1, 31)),
        ({"yearly_deadline": "03-15"}, DAY),
        ({"yearly_deadline": "02-29"}, date(2028, 2, 29)),  # a leap year
        ({"yearly_deadline": "02-29", "next_deadline": date(2028, 2, 29)}, date(2028, 2, 29)),
    ],
)
def test_next_deadline(fields: dict[str, Any], expected: date | None) -> None:
    assert next_deadline(scheme(**fields), DAY) == expected


def test_deadline_items_of_the_coming_60_days_soonest_first() -> None:
    soon, later = scheme(next_deadline=date(2027, 4, 1)), scheme(yearly_deadline="03-20")
    far = scheme(next_deadline=DAY + timedelta(days=60))
    items = deadline_items([soon, far, later], DAY, PARIS, "https://aides.test")
    assert [i.key for i in items] == [f"d:{later.id}", f"d:{soon.id}"]
    first = items[0]
    assert first.url == f"https://aides.test/aides/{later.id}"
    assert first.when == datetime(2027, 3, 20, tzinfo=PARIS)
    assert (first.all_day, first.topic, first.by) == (True, Topic.EVENEMENTS, "Ville de Besançon")


def _item(**fields: Any) -> Item:
    [found] = deadline_items([scheme(next_deadline=DAY, **fields)], DAY, PARIS, "")
    return found


CULTURE = Profile("a", frozenset({"culture"}), "battant", employs_staff=False)


@pytest.mark.parametrize(
    ("fields", "profile", "expected"),
    [
        ({}, CULTURE, True),  # open to every theme, quartier and kind of association
        ({"themes": ("culture", "sport")}, CULTURE, True),
        ({"themes": ("sport",)}, CULTURE, False),
        ({"themes": ("sport",)}, Profile("a", frozenset(), None), True),  # themes unknown
        ({"quartiers": ("battant",)}, CULTURE, True),
        ({"quartiers": ("planoise",)}, CULTURE, False),
        ({"quartiers": ("planoise",)}, Profile("a", frozenset(), None), True),
        ({"employs_staff": True}, CULTURE, False),
        ({"employs_staff": False}, CULTURE, True),
        ({"employs_staff": True}, Profile("a", frozenset(), None), True),  # not said
    ],
)
def test_aid_for(fields: dict[str, Any], profile: Profile, expected: bool) -> None:
    assert aid_for(_item(**fields), profile) is expected


def _fact(kind: type[SchemePublished | SchemeWithdrawn], s: SchemePublic) -> tuple[str, Message]:
    change = SchemeChange.PUBLISHED if kind is SchemePublished else SchemeChange.WITHDRAWN
    return subjects.scheme(s.id, change), kind(change=change, scheme=s)


def test_index_follows_published_and_withdrawn_facts() -> None:
    index = ContentIndex(Links("a", "r", "https://aides.test"), PARIS, lambda: datetime.now(UTC))
    kept, gone = scheme(), scheme()
    for subject, fact in (_fact(SchemePublished, kept), _fact(SchemePublished, gone),
                          _fact(SchemeWithdrawn, gone)):  # fmt: skip
        apply_fact(index, subject, fact.model_dump_json().encode())
    subject, fact = _fact(SchemePublished, scheme())  # a body naming another scheme: skipped
    apply_fact(index, subject.replace(".aide-", ".autre-"), fact.model_dump_json().encode())
    assert set(index.schemes) == {kept.id}


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


async def test_the_letter_carries_the_deadlines_that_may_suit_each_association(
    own_nats: NatsServer, smtp_server: SmtpServer
) -> None:
    now = random_monday()
    clock = FrozenClock(now)
    today = now.astimezone(PARIS).date()
    settings = NewsletterSettings(
        nats_url=own_nats.url, smtp_port=smtp_server.port, token_secret=secrets.token_urlsafe(24),
        admin_token=secrets.token_urlsafe(24), public_base_url=BASE, log_json=False,
        send_ack_wait=3.0, digest_schedule=False,
    )  # fmt: skip
    theme, other, quartier = code("t"), code("t"), code("q")
    long_ago = now - timedelta(days=400)  # not « new » in the letter
    culture = asso(long_ago, "Théâtre du Doubs", themes=(theme,), quartier=quartier)
    culture = dataclasses.replace(
        culture, record=culture.record.model_copy(update={"employs_staff": False})
    )
    far = asso(long_ago, "Club loin", themes=(other,))
    in_20_days = today + timedelta(days=20)
    for_culture = scheme(name="Fonds pour le théâtre", themes=(theme,), next_deadline=in_20_days)
    for_others = scheme(name="Fonds pour les autres", themes=(other,), next_deadline=in_20_days)
    for_employers = scheme(name="Aide à l’emploi", employs_staff=True, next_deadline=in_20_days)
    elsewhere = scheme(name="Fonds d’un autre quartier", quartiers=(code("q"),),
                       next_deadline=in_20_days)  # fmt: skip
    yearly = scheme(
        name="Subvention annuelle", next_deadline=today - timedelta(days=300),
        yearly_deadline=(today + timedelta(days=10)).strftime("%m-%d").replace("02-29", "02-28"),
    )  # fmt: skip
    too_far = scheme(name="Appel lointain", next_deadline=today + timedelta(days=90))
    withdrawn = scheme(name="Aide retirée", next_deadline=in_20_days)
    everything = (for_culture, for_others, for_employers, elsewhere, yearly, too_far, withdrawn)
    nc = await nats.connect(own_nats.url)
    try:
        js = nc.jetstream()
        await provision(js, 1)
        await put_in_directory(js, culture, far)
        await publish(js, *(_fact(SchemePublished, s) for s in everything))
        await publish(js, _fact(SchemeWithdrawn, withdrawn))
        async with running(settings, clock) as app:
            index = app.newsletter.index
            wanted = {s.id for s in everything} - {withdrawn.id}
            await until(lambda: set(index.schemes) == wanted, seconds=30)
            edition = await app.newsletter.editions.build(ASSOCIATIONS_LETTER)
            await _wait_sent(app, edition.id)
        [mail] = mails_to(smtp_server, culture.email or "")
        text = text_of(mail)
        assert "Rendez-vous et dates limites d’aides pour les associations" in text
        for name in ("Fonds pour le théâtre", "Subvention annuelle"):
            assert name in text
        for name in ("Fonds pour les autres", "Aide à l’emploi", "Fonds d’un autre quartier",
                     "Appel lointain", "Aide retirée"):  # fmt: skip
            assert name not in text
        assert f"{BASE}/aides/{for_culture.id}" in text
        assert text.index("Subvention annuelle") < text.index("Fonds pour le théâtre")
        [other_mail] = mails_to(smtp_server, far.email or "")
        assert "Fonds pour les autres" in text_of(other_mail)
        assert "Fonds pour le théâtre" not in text_of(other_mail)
    finally:
        await nc.close()


async def _wait_sent(app: App, edition_id: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = await app.newsletter.editions.store.get(edition_id)
        if record is not None and record[0].state is EditionState.SENT:
            return
        await app.newsletter.editions.finish_if_done(edition_id)
        await asyncio.sleep(0.05)
    raise AssertionError(f"edition {edition_id} not sent in time")
