"""Leak scan (SPEC §7, issue 13): subscribers' addresses and associations' private contacts,
each a unique marker, must never appear in a feed, an export, a public page or API answer, a
log line of any service process or of their commands, a message of any stream of the
catalogue (facts, dead letters, mail requests and their outcomes, the work queues' messages
even once consumed), or a KV bucket that is public by contract. They may live only in the
buckets marked `personal_data` in the catalogue, where erasure reaches them — the scan checks
they are indeed there, so it is not looking in vain. What is read is derived from the
catalogue (tests/security/leaks.py): a new stream or bucket is scanned without anyone
remembering.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx
import nats
import pytest

from tests.annuaire.conftest import association_body, mission_body
from tests.newsletter.courrier_support import annuaire_publish, polled
from tests.platform.platform_state import PlatformRun, public_documents
from tests.security.conftest import Scenario
from tests.security.leaks import PERSONAL_BUCKETS, Tap, found_in, read_stored
from tests.support.nats_server import NatsServer
from tests.support.processes import wait_until
from tests.support.smtp import SmtpServer
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation
from vieasso.common.nats.catalogue import BUCKETS, STREAMS, Service
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats]

PARIS = ZoneInfo("Europe/Paris")
CRAWL_SEEDS = {
    "annuaire": ("/", "/associations", "/missions", "/docs", "/openapi.json"),
    "agenda": ("/agenda", "/docs", "/openapi.json"),
    "newsletter": ("/abonnement", "/archives", "/docs", "/openapi.json"),
    # Its catalogue pages and feeds are crawled from here once they exist (issue 15).
    "ressources": ("/materiel", "/salles", "/docs", "/openapi.json"),
    "aides": ("/aides", "/feeds/aides.ics", "/docs", "/openapi.json"),
}
CRAWL_LIMIT = 300


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def crawl(run: PlatformRun) -> dict[str, bytes]:
    """GET every page reachable by links from the public seeds, on every service."""
    origins = {urlsplit(run.url(name)).netloc for name in CRAWL_SEEDS}
    todo = [run.url(name) + path for name, paths in CRAWL_SEEDS.items() for path in paths]
    seen: dict[str, bytes] = {}
    with httpx.Client(timeout=20) as client:
        while todo and len(seen) < CRAWL_LIMIT:
            url = todo.pop()
            if url in seen:
                continue
            response = client.get(url)
            seen[url] = response.content
            if "html" not in response.headers.get("content-type", ""):
                continue
            parser = Links()
            parser.feed(response.text)
            for link in parser.found:
                target = urljoin(url, link).split("#")[0]
                parts = urlsplit(target)
                if (
                    parts.scheme == "http"
                    and parts.netloc in origins
                    and "token=" not in parts.query
                    and target not in seen
                ):
                    todo.append(target)
    return seen


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[PlatformRun, SmtpServer, Tap]]:
    server = NatsServer(workdir=tmp_path / "nats").start()
    smtp = SmtpServer(maildir=tmp_path / "mail").start()
    # Every line the services can write (DEBUG), as JSON: the production format, the only one
    # that prints a record's extra fields.
    debug = {"VIEASSO_LOG_LEVEL": "DEBUG", "VIEASSO_LOG_JSON": "true"}
    run = PlatformRun(server.url, tmp_path / "services", smtp, public_url=None, env=debug)
    try:
        with Tap(server.url) as tap:  # before the services: it sees every message they publish
            yield run.start(), smtp, tap
    finally:
        run.stop()
        smtp.stop()
        server.stop()


def event_of(i: int, day: date) -> dict[str, object]:
    place = {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"}
    return {"event_id": f"fete-{i}", "title": "Fête", "start": f"{day}T15:00:00+01:00",
            "end": f"{day}T18:00:00+01:00", "place": place}  # fmt: skip


def add_association(run: PlatformRun, i: int, marker: str, tokens: list[str]) -> list[str]:
    """A validated association whose private contact (then a new one) is marked, with a
    mission and an event; returns its two contact addresses (its token goes to `tokens`)."""
    annuaire, agenda = run.url("annuaire"), run.url("agenda")
    admin = {"Authorization": f"Bearer {run.admin_token}"}
    first, changed = f"contact{i}{marker}@prive.example", f"nouveau{i}{marker}@prive.example"
    body = association_body(contact={"name": "Dominique Privé", "email": first})
    slug = httpx.post(f"{annuaire}/api/associations", json=body).json()["slug"]
    token = httpx.post(f"{annuaire}/api/associations/{slug}/validate", headers=admin)
    tokens.append(token.json()["token"])
    auth = {"Authorization": f"Bearer {tokens[-1]}"}
    patch = {"contact": {"name": "Camille Privé", "email": changed}, "short_name": "AP"}
    edited = httpx.patch(f"{annuaire}/api/associations/{slug}", json=patch, headers=auth)
    assert edited.status_code == 200, edited.text
    day = datetime.now(PARIS).date() + timedelta(days=5)
    mission = mission_body(starts_on=str(day), ends_on=str(day + timedelta(days=2)))
    published = httpx.post(f"{annuaire}/api/associations/{slug}/missions", json=mission,
                           headers=auth)  # fmt: skip
    assert published.status_code == 201, published.text
    url, event = f"{agenda}/api/associations/{slug}/events", event_of(i, day)
    wait_until(lambda: httpx.post(url, json=event, headers=auth).status_code == 202, timeout=15)
    if i == 0:  # the city hides it: a mail request to the association (COURRIER)
        hide = f"{agenda}/api/events/{slug}/{event['event_id']}/unpublish"
        reason = {"reason": "Doublon d'un autre événement."}
        wait_until(lambda: httpx.post(hide, json=reason, headers=admin).status_code == 200)
    return [first, changed]


def add_subscribers(run: PlatformRun, smtp: SmtpServer, marker: str) -> list[str]:
    """Four marked subscribers, each confirming through the link of their mail."""
    emails = [f"abonne{i}{marker}@exemple.org" for i in range(4)]
    for email in emails:
        answer = httpx.post(f"{run.url('newsletter')}/api/subscriptions", json={"email": email})
        assert answer.status_code == 202, answer.text

    def mails() -> list[EmailMessage]:
        # the associations get mails too now (welcome at validation): only the subscribers'
        return [m for m in smtp.messages() if str(m["To"]) in emails]

    wait_until(lambda: len(mails()) >= len(emails), timeout=30, what="confirmation mails")
    for mail in mails():
        text = mail.get_body(("plain",))
        assert text is not None
        confirm = re.search(r"http\S+/abonnement/confirmer\?token=[\w.=-]+", text.get_content())
        assert confirm is not None
        assert httpx.post(confirm.group(0)).status_code == 200
    return emails


async def ask_mails(nats_url: str, slugs: list[str]) -> None:
    """A mail to each association, asked for as the annuaire asks (SPEC §8); returns once
    the newsletter published an outcome for each."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for slug in slugs:
            await request_mail(
                annuaire_publish(js), "annuaire", key=f"jeton.{slug}",
                to=ToAssociation(association=slug), template=Template.JETON_EMIS,
                params={"by": "ville"},
            )  # fmt: skip

        async def outcomes() -> bool:
            return bool((await js.stream_info("COURRIER_OUTCOMES")).state.messages >= len(slugs))

        await polled(outcomes)
    finally:
        await nc.close()


def mails_asked(run: PlatformRun, smtp: SmtpServer, contacts: list[str], marker: str) -> None:
    """Every association is mailed at its current contact, the first one's refused for good
    (its SMTP answer goes into an outcome and the city's page)."""
    exported = httpx.get(run.url("annuaire") + "/export/associations.json").json()
    smtp.handler.fail_next[contacts[1]] = 550
    asyncio.run(ask_mails(run.nats_url, sorted(a["slug"] for a in exported)))
    mailed = set(contacts[3::2])

    def arrived() -> bool:
        return mailed <= {str(m["To"]) for m in smtp.messages() if marker in str(m["To"])}

    wait_until(arrived, timeout=30, what="the mails the annuaire asked for")


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_no_private_address_leaks_into_feeds_pages_logs_or_facts(
    platform: tuple[PlatformRun, SmtpServer, Tap], scenario: Scenario
) -> None:
    run, smtp, tap = platform
    scenario.describe(
        name="Leak scan of subscribers' and private contacts' addresses",
        load="3 associations (contact changed once), missions, events (one hidden by the "
        "city: a mail request), 4 confirmed subscribers, one digest sent, a mail asked for "
        "each association (one refused)",
        faults="—",
        inputs="unique marker in every private address",
        checked="no marker in any feed, export, API listing, page reachable from the public "
        "pages, edition status or archive, log line of every service (JSON, DEBUG), message "
        "of every stream of the catalogue (stored, or seen published: work queues' consumed "
        "messages too: mail requests, deliveries) or public KV bucket, mail outcome; the "
        "addresses are in the personal-data buckets; no association token anywhere",
    )
    assert set(run.running) == {service.value for service in Service}  # every process logs
    assert set(CRAWL_SEEDS) == set(run.running)
    marker = secrets.token_hex(6)
    tokens: list[str] = []
    contacts = [a for i in range(3) for a in add_association(run, i, marker, tokens)]
    subscribers = add_subscribers(run, smtp, marker)
    digest_output = run.cli("newsletter", "send-digest", timeout=120)
    mails_asked(run, smtp, contacts, marker)
    exported = httpx.get(run.url("annuaire") + "/export/associations.json").json()
    slugs = sorted(a["slug"] for a in exported)
    documents = {k: v for k, (_, v) in public_documents(run, slugs).items()}
    documents |= crawl(run)
    stored = asyncio.run(read_stored(run.nats_url))
    messages = stored.scanned | tap.published()
    editions = {
        where.split()[-1].split(".")[2]
        for where in stored.scanned
        if where.startswith("NEWSLETTER#") and where.split()[-1].startswith("newsletter.editions.")
    }
    assert editions, "the digest built no edition"
    for edition in editions:  # not linked from a public page for every edition: asked directly
        archive = "/lettre-des-associations" if edition.startswith("associations-") else ""
        for path in (f"/api/editions/{edition}", f"{archive}/archives/{edition}"):
            answer = httpx.get(run.url("newsletter") + path)
            assert answer.status_code == 200, path
            documents[f"newsletter:{path}"] = answer.content
    logs = run.logs() + "\n" + digest_output

    leaks = [f"document {url}" for url in found_in(marker, documents)]
    leaks += [f"message or record {where}" for where in found_in(marker, messages)]
    leaks += [f"log: {line[:200]}" for line in logs.splitlines() if marker in line]
    scenario.figure("documents", len(documents))
    scenario.figure("stream messages and public records", len(messages))
    scenario.figure("log lines", len(logs.splitlines()))
    scenario.figure("leaks", len(leaks))
    assert tap.errors == []
    assert leaks == []
    kept = b"".join(stored.personal.values())
    secrets_seen = [  # association tokens: only their hash is stored, never shown or logged
        token for token in tokens
        if token.encode() in kept or token in logs
        or found_in(token, documents) or found_in(token, messages)
    ]  # fmt: skip
    assert secrets_seen == []
    assert all(address.encode() in kept for address in subscribers)
    assert all(address.encode() in kept for address in contacts[1::2])  # the current contacts
    assert len(documents) > 40
    assert any(where.startswith("COURRIER#") or " courrier.requests." in where
               for where in messages)  # fmt: skip
    assert len(messages) > 20
    outcomes = [where for where in stored.scanned if where.startswith("COURRIER_OUTCOMES#")]
    # welcome mails at validation, the hidden event's mail, the mails asked (one refused)
    assert sum(" courrier.failed." in w for w in outcomes) == 1
    assert any(" courrier.sent.agenda" in w for w in outcomes)
    assert sum(" courrier.sent.annuaire" in w for w in outcomes) >= 2
    assert len(logs.splitlines()) > 20


def test_the_scan_finds_an_address_on_any_stream_or_public_bucket(tmp_path: Path) -> None:
    """The scan's reach, checked by planting an address everywhere it looks (and in the
    personal-data buckets, where it must not report one)."""
    server = NatsServer(workdir=tmp_path / "nats").start()
    try:
        with Tap(server.url) as tap:
            planted = asyncio.run(plant_everywhere(server.url))
            wait_until(lambda: len(tap.published()) >= len(STREAMS), what="the tap")
            stored = asyncio.run(read_stored(server.url))
    finally:
        server.stop()
    messages = stored.scanned | tap.published()

    for name, address in planted.items():
        found = found_in(address, messages)
        if name in PERSONAL_BUCKETS:
            assert found == [], name
            assert found_in(address, stored.personal), name
        else:
            assert found, f"an address on {name} was not found"
    for spec in STREAMS:
        in_stream = found_in(planted[spec.name], stored.scanned)
        assert (in_stream == []) is spec.work_queue, spec.name  # consumed: only the tap saw it
    assert tap.errors == []


async def plant_everywhere(url: str) -> dict[str, str]:
    """An address on a subject of every stream (a work queue's message consumed at once)
    and in every bucket; `name → address`."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=10)
    planted: dict[str, str] = {}
    try:
        await provision(js, 1)
        for spec in STREAMS:
            address = planted[spec.name] = planted_address(spec.name)
            subject = re.sub(r"(^|\.)[*>](?=\.|$)", r"\1x", spec.subjects[0])
            await js.publish(subject, json.dumps({"email": address}).encode(), stream=spec.name)
            if spec.work_queue:
                consumer = await js.pull_subscribe(subject, durable="leak-check", stream=spec.name)
                for msg in await consumer.fetch(1, timeout=10):
                    await msg.ack_sync()
                await consumer.unsubscribe()
                await js.delete_consumer(spec.name, "leak-check")
        for bucket in BUCKETS:
            address = planted[bucket.name] = planted_address(bucket.name)
            kv = await js.key_value(bucket.name)
            await kv.put("leak-check", json.dumps({"email": address}).encode())
    finally:
        await nc.close()
    return planted


def planted_address(where: str) -> str:
    return f"{where.lower()}.{secrets.token_hex(4)}@prive.example"
