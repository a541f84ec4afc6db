"""A burst of agenda submissions from an outside client that retries until JetStream acks,
and the check of what the agenda made of them."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from tests.agenda.conftest import submission
from tests.reliability.streams import eventually, kv_values, read_stream
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventSubmission

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)


def submissions(slug: str, count: int) -> list[EventSubmission]:
    end = (START + timedelta(hours=2)).isoformat()
    return [
        submission(slug, f"ev-{i}", title=f"Concert {i}", start=START.isoformat(), end=end)
        for i in range(count)
    ]


class Publisher:
    """Publishes with `Nats-Msg-Id` and tries again (same id) until acknowledged."""

    def __init__(self, js: JetStreamContext) -> None:
        self.js = js
        self.acked = 0
        self.retries = 0

    async def publish(self, message: EventSubmission, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        body = message.model_dump_json().encode()
        while True:
            try:
                await self.js.publish(
                    subjects.submission(message.association), body,
                    headers={"Nats-Msg-Id": str(message.message_id)}, timeout=2.0,
                )  # fmt: skip
            except (NatsError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                self.retries += 1
                await asyncio.sleep(0.2)
                continue
            self.acked += 1
            return

    async def all(self, messages: list[EventSubmission], chunk: int = 100) -> None:
        for offset in range(0, len(messages), chunk):
            await asyncio.gather(*(self.publish(m) for m in messages[offset : offset + chunk]))


async def check_applied_once(js: JetStreamContext, slug: str, count: int) -> float:
    """Every event stored once and announced by exactly one `published` fact; returns the
    seconds it took for all of them to be stored."""

    async def stored() -> bool:
        return len(await kv_values(js, "agenda_events", f"{slug}.")) == count

    settle = await eventually(stored, within=90, what=f"{count} events stored")
    per_event: Counter[str] = Counter()

    async def announced() -> bool:
        # A fact whose publish failed while a node died comes with the submission's
        # redelivery (after the retry delay or the ack wait), after its event was stored.
        facts = await read_stream(js, "AGENDA", f"agenda.events.{slug}.>")
        per_event.clear()
        per_event.update(fact["event"]["event_id"] for _, fact in facts)
        return len(per_event) == count

    try:
        await eventually(announced, within=60, what=f"{count} events announced")
    except TimeoutError:
        assert len(per_event) == count, "an acknowledged submission has no fact"
    assert set(per_event.values()) == {1}, "an event was announced twice"
    return settle
