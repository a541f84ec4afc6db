"""Hypothesis against the real agenda process on `agenda.submissions.<slug>`, the platform's
inbound subject (the annuaire subscribes to nothing; the newsletter reads the facts the
other services publish, its own work queue, and the mail requests of the other services,
`courrier.requests.<service>`, fuzzed at the end of this module).

Each hostile body (random bytes, cut JSON, wrong types, huge fields, absurd dates, endless
RRULEs, script tags, CRLF and control characters) must get an answer: a French rejection on
`agenda.rejections.<slug>` naming its submission, a dead letter with the reason, or — when
it is a valid event after all — its fact. A valid probe afterwards is applied (the consumer
did not stall), and the feeds and pages built from what was accepted carry no live markup.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Coroutine
from typing import Any, TypeVar

import feedparser
import httpx
import icalendar
import nats
import pytest
from hypothesis import HealthCheck, given, settings
from nats.aio.msg import Msg

from tests.agenda.conftest import Directory
from tests.reliability.conftest import Scenario
from tests.reliability.junk import (
    NASTY_TEXT,
    PATHOLOGICAL_RRULES,
    base,
    batch_bodies,
    bodies,
    courrier_bodies,
)
from tests.support.pages import tags_and_text
from tests.support.services import StartService
from vieasso.common import subjects
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]

EXAMPLES = 250
# Each message answered within this: a hang detector (answers take milliseconds), not a speed
# target. A rule searched until the year 9999 took 4.5 s of CPU, twice per message.
ANSWER_WITHIN = 5.0
ENGLISH = ("Input should", "Field required", "String should", "Value error", "Extra inputs")
T = TypeVar("T")


class Bridge:
    """A NATS client on its own event-loop thread, for hypothesis's synchronous examples."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.nc = self.run(nats.connect(url))
        self.js = self.nc.jetstream()
        self.answers: dict[str, tuple[str, dict[str, Any]]] = {}
        self.events: dict[str, dict[str, Any]] = {}

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def listen(self, slug: str) -> None:
        async def answer(msg: Msg) -> None:
            data = json.loads(msg.data)
            if msg.subject.startswith("agenda.rejections."):
                self.answers[data["submission_message_id"]] = ("rejected", data)
            elif msg.subject.startswith("deadletter."):
                self.answers[data["headers"].get("Nats-Msg-Id", "")] = ("dead letter", data)
            else:
                self.events[data["event"]["event_id"]] = data

        await self.nc.subscribe(subjects.rejection(slug), cb=answer)
        await self.nc.subscribe(f"deadletter.agenda.agenda.submissions.{slug}", cb=answer)
        await self.nc.subscribe(f"agenda.events.{slug}.>", cb=answer)

    async def listen_dead_letters(self, subject: str) -> None:
        async def answer(msg: Msg) -> None:
            data = json.loads(msg.data)
            self.answers[data["original_message_id"] or ""] = ("dead letter", data)

        await self.nc.subscribe(subject, cb=answer)

    async def wait(self, msg_id: str, event_id: str | None, within: float = 15) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if msg_id in self.answers:
                return self.answers[msg_id][0]
            if event_id is not None and event_id in self.events:
                return "applied"
            await asyncio.sleep(0.01)
        raise AssertionError(f"no answer to submission {msg_id} within {within}s")

    def close(self) -> None:
        self.run(self.nc.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def with_unique_event_id(body: bytes, n: int) -> tuple[bytes, str | None]:
    """Near-valid bodies all say event_id "fz": give each its own, to find its fact."""
    try:
        value = json.loads(body)
    except ValueError:
        return body, None
    if isinstance(value, dict) and value.get("event_id") == "fz":
        value["event_id"] = f"fz-{n}"
        return json.dumps(value).encode(), value["event_id"]
    return body, None


def test_hostile_submissions_are_answered_and_never_stall_the_agenda(
    nats_url: str, start_service: StartService, scenario: Scenario
) -> None:
    scenario.describe(
        name="hypothesis on agenda.submissions.<slug> (real agenda process)",
        load=f"{EXAMPLES} generated messages, then a valid probe",
        faults="none: hostile input only",
        inputs="random bytes, JSON cut in half, wrong types, 200 KB titles, 10,001-character "
        "descriptions, dates in year 1 / 9999 / 30 February / naive, never-ending and "
        "absurd RRULEs (INTERVAL 0, negative or huge, BYxxx/BYSETPOS matching nothing, huge "
        "COUNT, UNTIL before the start or past 9999, malformed parts), script tags, CRLF and "
        "control characters in text fields, bad URLs, another association's slug",
        checked=f"each message answered within {ANSWER_WITHIN:.0f} s (French rejection naming "
        "the submission, dead letter with the reason, or the fact of a valid event); probe "
        "applied; ICS/RSS/JSON-LD and event pages parse and carry no live <script>",
    )
    bridge = Bridge(nats_url)
    try:
        slug = bridge.run(_platform(bridge))
        bridge.run(bridge.listen(slug))
        agenda = start_service("agenda").wait_healthy(timeout=60)
        tally: Counter[str] = Counter()
        slowest = [0.0]
        counter = itertools.count()

        @settings(
            max_examples=EXAMPLES, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )  # fmt: skip
        @given(body=bodies(slug))
        def one(body: bytes) -> None:
            body, event_id = with_unique_event_id(body, next(counter))
            msg_id = str(uuid.uuid4())
            bridge.run(
                bridge.js.publish(subjects.submission(slug), body, headers={"Nats-Msg-Id": msg_id})
            )
            sent = time.monotonic()
            kind = bridge.run(bridge.wait(msg_id, event_id, within=ANSWER_WITHIN))
            slowest[0] = max(slowest[0], time.monotonic() - sent)
            tally[kind] += 1
            if kind == "rejected":
                reasons = bridge.answers[msg_id][1]["reasons"]
                assert reasons
                for reason in reasons:
                    assert reason["message"], reason
                    assert not any(e in reason["message"] for e in ENGLISH), reason
            elif kind == "dead letter":
                assert bridge.answers[msg_id][1]["error"]

        one()
        probe = {**base(slug), "event_id": "sonde", "title": "Sonde après le bruit"}
        probe_id = str(uuid.uuid4())
        bridge.run(
            bridge.js.publish(
                subjects.submission(slug),
                json.dumps(probe).encode(),
                headers={"Nats-Msg-Id": probe_id},
            )
        )
        assert bridge.run(bridge.wait(probe_id, "sonde")) == "applied"
        tally.update(bridge.run(hostile_text_events(bridge, slug)))
        tally.update(bridge.run(pathological_recurrences(bridge, slug, slowest)))
        applied = [e for e in bridge.events if e != "sonde"]
        check_outputs(agenda.url, slug, applied)
    finally:
        bridge.close()
    for kind, count in sorted(tally.items()):
        scenario.figure(kind, count)
    scenario.figure("slowest answer (s)", slowest[0])
    scenario.figure("agenda health after", agenda.health() or 0)


async def hostile_text_events(bridge: Bridge, slug: str) -> Counter[str]:
    """Each hostile text in every text field of an otherwise valid event: refused, or
    accepted — then the feeds and pages below must neutralise it."""
    outcomes: Counter[str] = Counter()
    for n, text in enumerate(NASTY_TEXT):
        for field, limit in (("title", 140), ("summary", 200), ("description", 10_000)):
            event_id = f"texte-{n}-{field}"
            body = {**base(slug), "event_id": event_id, field: text[:limit]}
            msg_id = str(uuid.uuid4())
            await bridge.js.publish(
                subjects.submission(slug), json.dumps(body).encode(),
                headers={"Nats-Msg-Id": msg_id},
            )  # fmt: skip
            outcomes[f"hostile text {await bridge.wait(msg_id, event_id)}"] += 1
    return outcomes


async def pathological_recurrences(bridge: Bridge, slug: str, slowest: list[float]) -> Counter[str]:
    """Every rule that once froze or crashed the agenda, on an otherwise valid event: each
    answered within the bound (the generated ones above may miss some of them)."""
    outcomes: Counter[str] = Counter()
    for n, rule in enumerate(PATHOLOGICAL_RRULES):
        event_id = f"regle-{n}"
        msg_id = str(uuid.uuid4())
        await bridge.js.publish(
            subjects.submission(slug),
            json.dumps({**base(slug), "event_id": event_id, "rrule": rule}).encode(),
            headers={"Nats-Msg-Id": msg_id},
        )
        sent = time.monotonic()
        outcomes[f"recurrence {await bridge.wait(msg_id, event_id, within=ANSWER_WITHIN)}"] += 1
        slowest[0] = max(slowest[0], time.monotonic() - sent)
    return outcomes


async def _platform(bridge: Bridge) -> str:
    await provision(bridge.js, 1)
    return await Directory(bridge.js).association()


def check_outputs(url: str, slug: str, applied: list[str]) -> None:
    """Feeds parse; no raw markup or header injection reaches them or the event pages."""
    params = {"association": slug, "from": "2027-01-01", "to": "2027-12-31"}
    ics = httpx.get(f"{url}/feeds/agenda.ics", params=params, timeout=30)
    assert ics.status_code == 200
    calendar = icalendar.Calendar.from_ical(ics.content)
    assert all("\r" not in str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    for line in ics.text.split("\r\n"):
        assert not line.startswith(("X-INJECT", "BCC:")), line
    rss = httpx.get(f"{url}/feeds/agenda.rss", params=params, timeout=30)
    assert rss.status_code == 200
    assert not feedparser.parse(rss.content).bozo
    for item in ET.fromstring(rss.content).iter("item"):  # noqa: S314 - the agenda's own XML
        tags, _ = tags_and_text(item.findtext("description") or "")
        assert tags <= {"p", "br"}, item.findtext("description")
    jsonld = httpx.get(f"{url}/feeds/agenda.jsonld", params=params, timeout=30)
    assert jsonld.status_code == 200
    jsonld.json()
    for event_id in applied[:40]:
        page = httpx.get(f"{url}/events/{slug}/{event_id}", timeout=30)
        assert page.status_code == 200, (event_id, page.status_code)
        assert "<script>alert" not in page.text
        assert "</script><script>" not in page.text


BATCHES = 60


def test_hostile_delivery_batches_are_dead_lettered_with_their_reason(
    nats_url: str, start_service: StartService, scenario: Scenario
) -> None:
    scenario.describe(
        name="hypothesis on deliveries.newsletter.<edition> (real newsletter process)",
        load=f"{BATCHES} generated batches on the deliveries work queue",
        faults="none: hostile input only",
        inputs="random bytes, cut JSON, wrong types, bad subscriber ids and item indexes, "
        "a well-formed batch of an edition that does not exist",
        checked="each batch dead-lettered on deadletter.newsletter.<subject> with its reason "
        "(it can never be sent), the work queue keeps going, /healthz 200 after",
    )
    bridge = Bridge(nats_url)
    try:
        bridge.run(provision(bridge.js, 1))
        newsletter = start_service("newsletter").wait_healthy(timeout=60)
        edition = f"fuzz-{uuid.uuid4().hex[:8]}"
        subject = subjects.delivery(edition)
        bridge.run(bridge.listen_dead_letters(subjects.deadletter("newsletter", subject)))
        reasons: Counter[str] = Counter()

        @settings(
            max_examples=BATCHES, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )  # fmt: skip
        @given(body=batch_bodies(edition))
        def one(body: bytes) -> None:
            msg_id = str(uuid.uuid4())
            bridge.run(bridge.js.publish(subject, body, headers={"Nats-Msg-Id": msg_id}))
            assert bridge.run(bridge.wait(msg_id, None)) == "dead letter"
            error = bridge.answers[msg_id][1]["error"]
            assert error
            unknown = error.startswith("unknown edition")
            reasons["unknown edition" if unknown else error.split(":")[0]] += 1

        one()
        assert newsletter.health() == 200
    finally:
        bridge.close()
    for reason, count in sorted(reasons.items()):
        scenario.figure(f"dead letters “{reason}”", count)


REQUESTS = 80


def test_hostile_mail_requests_are_dead_lettered_with_their_reason(
    nats_url: str, start_service: StartService, scenario: Scenario
) -> None:
    scenario.describe(
        name="hypothesis on courrier.requests.<service> (real newsletter process)",
        load=f"{REQUESTS} generated mail requests on the COURRIER work queue",
        faults="none: hostile input only",
        inputs="random bytes, cut JSON, wrong types, unknown templates, bad parameters, "
        "script tags and CRLF in keys and parameters, unknown associations and city teams",
        checked="each request dead-lettered on deadletter.newsletter.<subject> with its "
        "reason (it can never be sent), the work queue keeps going, /healthz 200 after",
    )
    bridge = Bridge(nats_url)
    try:
        bridge.run(provision(bridge.js, 1))
        newsletter = start_service("newsletter").wait_healthy(timeout=60)
        subject = subjects.courrier_request("fuzz")
        bridge.run(bridge.listen_dead_letters(subjects.deadletter("newsletter", subject)))
        reasons: Counter[str] = Counter()

        @settings(
            max_examples=REQUESTS, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )  # fmt: skip
        @given(body=courrier_bodies())
        def one(body: bytes) -> None:
            msg_id = str(uuid.uuid4())
            bridge.run(bridge.js.publish(subject, body, headers={"Nats-Msg-Id": msg_id}))
            assert bridge.run(bridge.wait(msg_id, None)) == "dead letter"
            error = bridge.answers[msg_id][1]["error"]
            assert error
            reasons[error.split(":")[0].split(" '")[0]] += 1

        one()
        assert newsletter.health() == 200
    finally:
        bridge.close()
    for reason, count in sorted(reasons.items()):
        scenario.figure(f"dead letters “{reason}”", count)
