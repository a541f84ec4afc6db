"""The one outbound mail path (SPEC §8): another service asks, by key and template, for a
mail to an association or the city; the newsletter sends it at most once, through its pool
and ledger, and publishes the outcome. Real nats-server, real SMTP (aiosmtpd)."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from nats.js import JetStreamContext

from tests.newsletter.conftest import App, mails_to, random_email, until
from tests.newsletter.courrier_support import (
    annuaire_publish,
    ask_welcome,
    dead_letters,
    outcomes,
    polled,
    put_association,
    raw_request,
    republish,
    welcome_params,
)
from tests.newsletter.lending_support import VALID as LENDING_PARAMS
from tests.newsletter.test_pages import admin
from tests.support.smtp import SmtpServer
from vieasso.common.courrier import request_mail
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.courrier import AUDIENCE, Template, ToAssociation, ToCity
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

PAGE = "/espace-ville/courriers"


REFUSED = [{"label": "Barnum 3×3 m", "requested": 2, "granted": 0}]
ADDRESS = re.compile(r"[\w.+-]+@(?:example\.org|ville\.localhost)", re.IGNORECASE)


@pytest.fixture(autouse=True)
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of each test, whatever its level; none may name an address (those
    of aiosmtpd, the test's SMTP server, are not the newsletter's)."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    for phase in ("setup", "call"):
        for record in caplog.get_records(phase):
            if record.name.startswith("mail.log"):
                continue
            text = f"{record.getMessage()} {record.__dict__}"
            assert not ADDRESS.search(text), f"address in a log line: {record.getMessage()}"


def courrier_logged(logged: pytest.LogCaptureFixture) -> bool:
    """The courrier's log lines were captured (so `logged` checked them)."""
    return any(r.name == "vieasso.newsletter.handlers.courrier" for r in logged.records)


async def assert_not_in_outcomes(js: JetStreamContext, key: str, *addresses: str) -> None:
    for _, body in await outcomes(js, key):
        for address in addresses:
            assert address.lower() not in str(body).lower()


def key_of(test: str) -> str:
    return f"{test}.{secrets.token_hex(4)}"


async def ledger_entry(app: App, key: str) -> LedgerEntry:
    kv = await app.newsletter.js.key_value("newsletter_deliveries")
    entry = await kv.get(f"courrier.annuaire.{key}")
    return LedgerEntry.model_validate_json(entry.value or b"")


async def outcome_of(js: JetStreamContext, key: str) -> tuple[str, dict[str, object]]:
    """The one outcome of `key`, once published."""
    found = await polled(lambda: outcomes(js, key))
    assert len(found) == 1, found
    return found[0]


def bodies(message: EmailMessage) -> tuple[str, str]:
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None
    assert text is not None
    return html.get_content(), text.get_content()


async def test_a_request_of_the_annuaire_is_mailed_with_both_parts_and_transactional_headers(
    newsletter_app: App, smtp_server: SmtpServer, logged: pytest.LogCaptureFixture
) -> None:
    js = newsletter_app.newsletter.js
    email = random_email("contact")
    name = f"Les Amis <du> Doubs {secrets.token_hex(2)}"
    slug = await put_association(js, name=name, email=email)
    key = key_of("validation")
    until_ = newsletter_app.newsletter.clock.now() + timedelta(days=7)
    await ask_welcome(js, slug, key, until_)

    await until(lambda: mails_to(smtp_server, email), seconds=20)
    [mail] = mails_to(smtp_server, email)
    assert mail["Subject"] == "Bienvenue sur la plateforme de la vie associative de Besançon"
    assert "Vie associative Besançon" in mail["From"]
    assert mail["Message-ID"] == f"<courrier.annuaire.{key}@vie-associative.besancon.fr>"
    assert mail["Date"]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] is None
    assert mail["List-Id"] is None
    html, text = bodies(mail)
    assert f"Bonjour {name}," in text
    assert "Bonjour Les Amis &lt;du&gt; Doubs" in html  # escaped in the HTML
    assert "https://vie-associative.test/connexion?jeton=abc" in text
    assert 'href="https://vie-associative.test/connexion?jeton=abc"' in html
    assert "<mj-" not in html  # compiled MJML

    subject, body = await outcome_of(js, key)
    assert subject == "courrier.sent.annuaire"
    assert body["to"] == {"association": slug}
    assert (await ledger_entry(newsletter_app, key)).state is LedgerState.SENT
    await assert_not_in_outcomes(js, key, email)
    assert courrier_logged(logged)


async def test_the_same_key_requested_three_times_is_mailed_once(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    js = newsletter_app.newsletter.js
    email = random_email("contact")
    slug = await put_association(js, name="Chorale du Doubs", email=email)
    key = key_of("validation")
    until_ = newsletter_app.newsletter.clock.now() + timedelta(days=7)
    request = await request_mail(
        annuaire_publish(js), "annuaire", key=key, to=ToAssociation(association=slug),
        template=Template.BIENVENUE, params=welcome_params(until_),
    )  # fmt: skip
    await ask_welcome(js, slug, key, until_)  # within the duplicate window: dropped
    await republish(js, request)  # after it: the ledger's work
    await republish(js, request)
    await until(lambda: mails_to(smtp_server, email), seconds=20)

    async def all_handled() -> bool:
        info = await js.consumer_info("COURRIER", "newsletter-courrier")
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)

    await polled(all_handled)
    assert len(mails_to(smtp_server, email)) == 1
    subject, _ = await outcome_of(js, key)  # republished with the same id: deduplicated
    assert subject == "courrier.sent.annuaire"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("template", "unknown template 'lettre-inconnue'"),
        ("params", "bad parameters for template 'bienvenue': link"),
        ("slug", "unknown association"),
        ("archived", "is archived"),
        ("no-contact", "has no private contact"),
        ("team", "unknown city team 'voirie'"),
        ("lending-params", "template 'pret-decision': params: Value error, a reason is required"),
        ("lending-recipient", "template 'pret-demande' is written for a city team"),
    ],
)
async def test_a_request_that_cannot_be_sent_is_dead_lettered_with_its_reason_and_the_queue_goes_on(
    newsletter_app: App, smtp_server: SmtpServer, case: str, expected: str
) -> None:
    js = newsletter_app.newsletter.js
    email = random_email("contact")
    state = AssociationState.ARCHIVED if case == "archived" else AssociationState.VALIDATED
    slug = await put_association(
        js, name="Les Amis", email=None if case == "no-contact" else email, state=state
    )
    key = key_of(case)
    until_ = newsletter_app.newsletter.clock.now() + timedelta(days=7)
    body = {
        "key": key,
        "to": {"association": "inconnue-" + slug if case == "slug" else slug},
        "template": "lettre-inconnue" if case == "template" else "bienvenue",
        "params": {"link": "pas-un-lien", "valid_until": until_.isoformat()}
        if case == "params"
        else welcome_params(until_),
    }
    if case == "team":
        body["to"] = {"city": "voirie"}
    if case.startswith("lending-"):
        template = Template.PRET_DECISION if case == "lending-params" else Template.PRET_DEMANDE
        params = LENDING_PARAMS[template]
        if case == "lending-params":
            params = {**params, "decision": "refusee", "reason": None, "lines": REFUSED}
        body |= {"template": template.value, "params": params}
    await raw_request(js, body)
    after = key_of("after")
    good = random_email("contact")
    await ask_welcome(js, await put_association(js, name="Suivante", email=good), after, until_)

    await until(lambda: mails_to(smtp_server, good), seconds=20)  # the queue went on
    letters = await polled(lambda: dead_letters(js, key))
    assert len(letters) == 1
    assert expected in str(letters[0]["error"])
    subject, outcome = await outcome_of(js, key)
    assert subject == "courrier.failed.annuaire"
    assert expected in str(outcome["reason"])
    assert outcome["undeliverable"] is False
    assert mails_to(smtp_server, email) == []


async def test_a_temporary_refusal_is_retried_and_mailed_once(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    js = newsletter_app.newsletter.js
    email = random_email("contact")
    slug = await put_association(js, name="Les Amis", email=email)
    smtp_server.handler.fail_next[email] = 451
    key = key_of("retry")
    await ask_welcome(js, slug, key, newsletter_app.newsletter.clock.now() + timedelta(days=1))

    await until(lambda: mails_to(smtp_server, email), seconds=20)
    subject, _ = await outcome_of(js, key)
    assert subject == "courrier.sent.annuaire"
    entry = await ledger_entry(newsletter_app, key)
    assert (entry.state, entry.attempts) == (LedgerState.SENT, 2)
    assert len(mails_to(smtp_server, email)) == 1


async def test_a_hard_bounce_marks_the_contact_undeliverable_until_it_changes(
    newsletter_app: App, smtp_server: SmtpServer, logged: pytest.LogCaptureFixture
) -> None:
    js = newsletter_app.newsletter.js
    email = random_email("contact")
    name = f"Cercle {secrets.token_hex(3)}"
    slug = await put_association(js, name=name, email=email)
    smtp_server.handler.fail_next[email] = 550
    first = key_of("bounce")
    now = newsletter_app.newsletter.clock.now()
    await ask_welcome(js, slug, first, now + timedelta(days=1))

    subject, outcome = await outcome_of(js, first)
    assert subject == "courrier.failed.annuaire"
    assert outcome["undeliverable"] is True
    assert "550 5.1.1" in str(outcome["reason"])
    page = await newsletter_app.client.get(PAGE, headers=await admin(newsletter_app))
    assert page.status_code == 200
    assert name in page.text
    assert "550 5.1.1 No such user here" in page.text

    second = key_of("again")  # the same address: not tried again
    await ask_welcome(js, slug, second, now + timedelta(days=1))
    subject, outcome = await outcome_of(js, second)
    assert (subject, outcome["undeliverable"]) == ("courrier.failed.annuaire", True)
    assert mails_to(smtp_server, email) == []

    fixed = random_email("nouveau")  # the association changed its contact
    await put_association(js, name=name, email=fixed, slug=slug)
    await until(lambda: newsletter_app.newsletter.contacts.get(slug).email == fixed)  # type: ignore[union-attr]
    third = key_of("fixed")
    await ask_welcome(js, slug, third, now + timedelta(days=1))
    await until(lambda: mails_to(smtp_server, fixed), seconds=20)
    page = await newsletter_app.client.get(PAGE, headers=await admin(newsletter_app))
    assert name not in page.text
    for key in (first, second, third):
        await assert_not_in_outcomes(js, key, email, fixed)
    assert email not in page.text
    assert courrier_logged(logged)


async def test_a_city_team_gets_its_mail_at_the_configured_address(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    js = newsletter_app.newsletter.js
    key = key_of("ville")
    await request_mail(
        annuaire_publish(js), "annuaire", key=key, to=ToCity(city="vie-associative"),
        template=Template.JETON_REVOQUE, params={"by": "association"},
    )  # fmt: skip
    address = "vie-associative@ville.localhost"
    await until(lambda: any(key in (m["Message-ID"] or "") for m in mails_to(smtp_server, address)))
    mail = next(m for m in mails_to(smtp_server, address) if key in m["Message-ID"])
    assert "Bonjour," in bodies(mail)[1]


async def test_the_city_previews_every_template_and_others_are_sent_to_sign_in(
    newsletter_app: App,
) -> None:
    client = newsletter_app.client
    assert (await client.get(PAGE)).status_code == 303
    assert (await client.get(f"{PAGE}/connexion")).status_code == 303
    city = await admin(newsletter_app)
    page = await client.get(PAGE, headers=city)
    assert page.status_code == 200
    assert "<h1>Courriers aux associations</h1>" in page.text
    for template in Template:
        assert f'{PAGE}/{template.value}"' in page.text
        shown = await client.get(f"{PAGE}/{template.value}", headers=city)
        assert shown.status_code == 200, template
        greeting = (
            "Bonjour," if AUDIENCE.get(template) is ToCity else "Bonjour Les Amis de Battant,"
        )
        assert greeting in shown.text  # the text part, in <pre>
        assert f'{PAGE}/{template.value}/html"' in shown.text  # the HTML part, in a frame
        html = await client.get(f"{PAGE}/{template.value}/html", headers=city)
        assert html.status_code == 200
        assert greeting in html.text
        assert "<mj-" not in html.text
    unknown = await client.get(f"{PAGE}/inconnu", headers=city)
    assert unknown.status_code == 404
