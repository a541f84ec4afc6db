"""kill -9 the agenda twice during a burst of creations, edits and identical resubmissions.

Checked against what JetStream acknowledged to the publishing client: every event is in
`agenda_events` with its last content, each version has exactly one fact, sequences have
no gap and no repeat, and resubmitting identical content never raises the sequence.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, submission
from tests.reliability.conftest import Scenario
from tests.reliability.streams import eventually, kv_values, read_stream
from tests.support.services import ServiceProcess, StartService
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventSubmission
from vieasso.common.nats.provisioning import provision

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]

EVENTS = 2000
EDITS = 600
RESUBMITTED = 400
KILL_AT = (700, 2100)  # message counts after which the agenda is killed (-9) and restarted
CHUNK = 100
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)


def version(slug: str, event_id: str, title: str) -> EventSubmission:
    return submission(
        slug, event_id, title=title,
        start=START.isoformat(), end=(START + timedelta(hours=2)).isoformat(),
    )  # fmt: skip


async def publish_all(js: JetStreamContext, messages: list[EventSubmission]) -> int:
    """Publish and wait for every ack; returns how many JetStream acknowledged."""
    acks = await asyncio.gather(*(
        js.publish(subjects.submission(m.association), m.model_dump_json().encode(),
                   headers={"Nats-Msg-Id": str(m.message_id)})
        for m in messages
    ))  # fmt: skip
    return len(acks)


async def test_agenda_killed_twice_mid_burst_applies_every_acknowledged_submission_once(
    start_service: StartService, js: JetStreamContext, scenario: Scenario
) -> None:
    scenario.describe(
        name="kill -9 agenda during a submission burst",
        load=f"{EVENTS} creations + {EDITS} edits + {RESUBMITTED} identical resubmissions "
        "(new message ids) on agenda.submissions.<slug>, published by an outside client",
        faults=f"kill -9 of the agenda process group after {KILL_AT[0]} and {KILL_AT[1]} "
        "messages, restarted at once (second kill while it replays)",
        inputs="valid submissions, some edited, some sent again unchanged",
        checked="every acknowledged event in agenda_events with its last title; one "
        "`published` fact per event, one fact per sequence (no gap, no repeat); unchanged "
        "resubmissions raise no sequence; /healthz 200 again without a manual step",
    )
    await provision(js, 1)
    slug = await Directory(js).association()
    agenda = start_service("agenda").wait_healthy(timeout=60)
    titles = {f"ev-{i}": f"Atelier {i}" for i in range(EVENTS)}
    plan = [version(slug, eid, title) for eid, title in titles.items()]
    for i in range(EDITS):
        titles[f"ev-{i}"] = f"Atelier {i} (horaires modifiés)"
        plan.append(version(slug, f"ev-{i}", titles[f"ev-{i}"]))
    plan += [version(slug, f"ev-{i}", titles[f"ev-{i}"]) for i in range(RESUBMITTED)]

    acknowledged, kills, recoveries = 0, 0, []
    for offset in range(0, len(plan), CHUNK):
        acknowledged += await publish_all(js, plan[offset : offset + CHUNK])
        if kills < len(KILL_AT) and acknowledged >= KILL_AT[kills]:
            agenda.process.kill()
            kills += 1
            agenda = start_service("agenda", port=agenda.port)
            restarted = time.monotonic()
            if kills == len(KILL_AT):
                await asyncio.to_thread(agenda.wait_healthy, 60)
                recoveries.append(time.monotonic() - restarted)
    assert acknowledged == len(plan)

    async def all_applied() -> bool:
        stored = await kv_values(js, "agenda_events", f"{slug}.")
        return len(stored) == EVENTS and all(
            v["event"]["content"]["title"] == titles[v["event"]["event_id"]]
            for v in stored.values()
        )

    async def all_announced() -> bool:
        """The fact of a version saved just before a kill comes with the redelivery of its
        submission, after the ack wait (15 s): possibly after every event is stored."""
        stored = await kv_values(js, "agenda_events", f"{slug}.")
        facts = await read_stream(js, "AGENDA", f"agenda.events.{slug}.>")
        announced = {(f["event"]["event_id"], f["event"]["sequence"]) for _, f in facts}
        return all(
            (v["event"]["event_id"], sequence) in announced
            for v in stored.values()
            for sequence in range(v["event"]["sequence"] + 1)
        )

    settle = await eventually(all_applied, within=90, what="every submission applied")
    await eventually(all_announced, within=60, what="every stored version announced")
    await asyncio.to_thread(check_healthy, agenda)
    stored = await kv_values(js, "agenda_events", f"{slug}.")
    facts = await read_stream(js, "AGENDA", f"agenda.events.{slug}.>")
    per_event: dict[str, list[int]] = defaultdict(list)
    changes: Counter[str] = Counter()
    for subject, fact in facts:
        per_event[fact["event"]["event_id"]].append(fact["event"]["sequence"])
        changes[subject.rsplit(".", 1)[1]] += 1
    assert set(per_event) == set(titles), "an acknowledged event has no fact"
    for key, value in stored.items():
        event = value["event"]
        sequences = sorted(per_event[event["event_id"]])
        assert sequences == list(range(event["sequence"] + 1)), f"{key}: facts {sequences}"
        edited = int(event["event_id"].removeprefix("ev-")) < EDITS
        assert event["sequence"] <= (1 if edited else 0), f"{key} changed more than it was"
    assert changes["published"] == EVENTS

    scenario.figure("messages acknowledged", acknowledged)
    scenario.figure("kills", kills)
    scenario.figure("facts", len(facts))
    scenario.figure("restart → /healthz 200 (s)", max(recoveries))
    scenario.figure("last ack → all applied (s)", settle)


def check_healthy(agenda: ServiceProcess) -> None:
    agenda.wait_healthy(timeout=30)
