"""Submissions on NATS: applied, idempotent, versioned, refused with French reasons."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, submission, submit, wait_for
from vieasso.agenda.domain.model import event_key
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventPublished, EventRejected, EventStatus
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.deadletter import DeadLetter

pytestmark = pytest.mark.nats


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Msg] = []

    async def collect(self, msg: Msg) -> None:
        self.messages.append(msg)


@pytest.fixture
async def inbox(nc: Client) -> AsyncIterator[Inbox]:
    box = Inbox()
    sub = await nc.subscribe("agenda.events.>", cb=box.collect)
    sub2 = await nc.subscribe("agenda.rejections.*", cb=box.collect)
    sub3 = await nc.subscribe("deadletter.agenda.>", cb=box.collect)
    yield box
    for s in (sub, sub2, sub3):
        await s.unsubscribe()


def on(box: Inbox, subject: str) -> list[Msg]:
    return [m for m in box.messages if m.subject == subject]


async def test_valid_submission_is_stored_and_published_with_stable_uid(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    message = submission(slug, "repair-cafe")
    await submit(js, message)
    published = subjects.event(slug, subjects.EventChange.PUBLISHED)
    await wait_for(lambda: on(inbox, published), what="published fact")

    fact = EventPublished.model_validate_json(on(inbox, published)[0].data)
    assert fact.event.uid == f"{slug}.repair-cafe@{agenda.settings.domain}"
    assert fact.event.sequence == 0
    assert fact.event.association_name == f"Les Amis de {slug}"
    assert str(fact.event.url).endswith(f"/events/{slug}/repair-cafe")
    kv = await js.key_value("agenda_events")
    stored = json.loads((await kv.get(event_key(slug, "repair-cafe"))).value or b"{}")
    assert stored["event"]["content"]["title"] == "Repair café"


async def test_identical_resubmission_changes_nothing_and_a_real_change_bumps_sequence(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    first = submission(slug, "atelier")
    await submit(js, first)
    key = event_key(slug, "atelier")
    await wait_for(lambda: agenda.wiring.catalog.get(key) is not None, what="event indexed")
    await submit(js, submission(slug, "atelier"))  # same content, new message id
    await submit(js, first)  # exact duplicate (deduplicated by JetStream)
    await submit(js, submission(slug, "atelier", title="Atelier vélo"))
    updated = subjects.event(slug, subjects.EventChange.UPDATED)
    await wait_for(lambda: on(inbox, updated), what="updated fact")
    await asyncio.sleep(0.2)  # let any wrongly produced extra fact arrive before counting

    entry = agenda.wiring.catalog.get(key)
    assert entry is not None
    assert entry.record.event.sequence == 1
    assert entry.record.event.content.title == "Atelier vélo"
    # Counted in the stream, where the facts' readers read them: a fact announced again
    # under its deterministic id (`_announce_superseded`) is dropped there as a duplicate.
    published = subjects.event(slug, subjects.EventChange.PUBLISHED)
    assert await stored_facts(js, published) == 1
    assert await stored_facts(js, updated) == 1


async def stored_facts(js: JetStreamContext, subject: str) -> int:
    info = await js.stream_info("AGENDA", subjects_filter=subject)
    return int((info.state.subjects or {}).get(subject, 0))


async def test_cancellation_publishes_a_cancelled_fact(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    await submit(js, submission(slug, "bal"))
    await submit(js, submission(slug, "bal", status="cancelled"))
    cancelled = subjects.event(slug, subjects.EventChange.CANCELLED)
    await wait_for(lambda: on(inbox, cancelled), what="cancelled fact")
    entry = agenda.wiring.catalog.get(event_key(slug, "bal"))
    assert entry is not None
    assert entry.record.event.content.status is EventStatus.CANCELLED


async def test_refused_submission_gets_every_reason_in_french(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    bad = submission(
        slug,
        "concert",
        start="2026-03-14T20:00:00+01:00",
        end="2026-03-14T19:00:00+01:00",
        themes=["theme-qui-n-existe-pas"],
        age_min=12,
        age_max=8,
        attendance_mode="mixed",
    )
    await submit(js, bad)
    rejected = subjects.rejection(slug)
    await wait_for(lambda: on(inbox, rejected), what="rejection")
    rejection = EventRejected.model_validate_json(on(inbox, rejected)[0].data)
    reasons = {r.field: r.message for r in rejection.reasons}
    assert rejection.event_id == "concert"
    assert reasons["end"] == "La fin doit être après le début."
    assert "Thème inconnu" in reasons["themes.0"]
    assert "âge maximum" in reasons["age_max"]
    assert "obligatoire" in reasons["online_url"]
    assert agenda.wiring.catalog.get(event_key(slug, "concert")) is None


async def test_association_may_only_publish_when_validated_and_for_itself(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    pending = await directory.association(state=AssociationState.PENDING)
    other = await directory.association()
    await submit(js, submission(pending, "fete"))
    await submit(js, submission(other, "usurpation"), slug=pending)
    rejected = subjects.rejection(pending)
    await wait_for(lambda: len(on(inbox, rejected)) == 2, what="two rejections")
    messages = {
        r.event_id: r.reasons[0].message
        for r in (EventRejected.model_validate_json(m.data) for m in on(inbox, rejected))
    }
    assert "pas encore validée" in messages["fete"]
    assert "que pour elle-même" in messages["usurpation"]


async def test_wrong_shape_is_rejected_and_undecodable_goes_to_dead_letter_without_stalling(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    subject = subjects.submission(slug)
    await js.publish(subject, b"{not json", headers={"content-type": "application/json"})
    await js.publish(subject, json.dumps({"association": slug, "event_id": "x"}).encode())
    await submit(js, submission(slug, "apres"))
    await wait_for(
        lambda: agenda.wiring.catalog.get(event_key(slug, "apres")) is not None,
        what="the next valid submission applied",
    )
    dead = f"deadletter.agenda.{subject}"
    await wait_for(lambda: on(inbox, dead) and on(inbox, subjects.rejection(slug)), what="both")
    letter = DeadLetter.model_validate_json(on(inbox, dead)[0].data)
    assert letter.payload == "{not json"
    rejection = EventRejected.model_validate_json(on(inbox, subjects.rejection(slug))[0].data)
    fields = {r.field for r in rejection.reasons}
    assert {"title", "start", "end"} <= fields
    assert all(r.message for r in rejection.reasons)


@pytest.mark.timeout(90)  # INTERVAL=0 used to freeze the consumer: a hang fails here
async def test_a_recurrence_that_would_freeze_or_crash_is_rejected_and_the_next_applied(
    agenda: Running, directory: Directory, js: JetStreamContext, inbox: Inbox
) -> None:
    slug = await directory.association()
    rules = {
        "gel": "FREQ=DAILY;INTERVAL=0;UNTIL=20271231T000000Z",  # hung rule.after() for ever
        "moins-un": "FREQ=DAILY;INTERVAL=-1;COUNT=3",  # ValueError: redelivered for ever
        "fevrier": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20271231T000000Z",  # 4.5 s each
    }
    for event_id, rule in rules.items():
        await submit(js, submission(slug, event_id, rrule=rule))
    await submit(js, submission(slug, "apres"))
    rejected = subjects.rejection(slug)
    await wait_for(lambda: len(on(inbox, rejected)) == 3, within=30, what="three rejections")
    await wait_for(
        lambda: agenda.wiring.catalog.get(event_key(slug, "apres")) is not None,
        what="the next valid submission applied",
    )
    reasons = {
        r.event_id: {reason.field: reason.message for reason in r.reasons}
        for r in (EventRejected.model_validate_json(m.data) for m in on(inbox, rejected))
    }
    assert set(reasons) == set(rules)
    assert "INTERVAL" in reasons["gel"]["rrule"]
    assert "au moins 1" in reasons["moins-un"]["rrule"]
    assert "aucune date" in reasons["fevrier"]["rrule"]
