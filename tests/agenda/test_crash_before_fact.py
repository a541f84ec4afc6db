"""Regression (found by tests/reliability/test_agenda_kill.py): a version saved just before a
crash, whose fact was never published, must still be announced when a newer submission of
the same event replaces it before the crashed one is redelivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.agenda.conftest import submission
from tests.agenda.test_fuzz_submissions import OneAssociation
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.domain.model import StoredEvent
from vieasso.agenda.handlers import Agenda, Inbound, Outcome
from vieasso.common import subjects
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.agenda import EventFact, EventSubmission
from vieasso.common.messages.base import Message

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class MemoryStore:
    """The two calls the handler makes on `EventStore`, in memory."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[StoredEvent, int]] = {}

    async def get(self, key: str) -> tuple[StoredEvent, int] | None:
        return self.records.get(key)

    async def save(self, record: StoredEvent, revision: int | None) -> int:
        new = (revision or 0) + 1
        self.records[record.key] = (record, new)
        return new


class Stream:
    """Publishes into a list, deduplicating on message id like JetStream; can crash once."""

    def __init__(self) -> None:
        self.facts: list[EventFact] = []
        self.crash_next = False

    async def __call__(self, subject: str, message: Message) -> None:
        if self.crash_next:
            self.crash_next = False
            raise RuntimeError("process killed before the fact was published")
        if isinstance(message, EventFact) and all(
            f.message_id != message.message_id for f in self.facts
        ):
            self.facts.append(message)


def inbound(message: EventSubmission, seq: int) -> Inbound:
    body = message.model_dump_json().encode()
    return Inbound(subjects.submission(message.association), body, {}, seq)


@pytest.mark.parametrize("later", [timedelta(seconds=20), timedelta(minutes=10)])
async def test_version_saved_but_unannounced_before_a_crash_is_announced_before_its_successor(
    later: timedelta,
) -> None:
    clock = FrozenClock(NOW)
    stream = Stream()
    agenda = Agenda(
        directory=OneAssociation(), store=MemoryStore(), catalog=Catalog(),  # type: ignore[arg-type]
        publish=stream, clock=clock, domain="example.org", public_url="https://example.org",
    )  # fmt: skip
    first = submission("club", "atelier", title="Atelier vélo")
    stream.crash_next = True
    with pytest.raises(RuntimeError):
        await agenda.handle(inbound(first, 10))
    assert stream.facts == []  # saved, not announced

    clock.advance(later)
    edit = submission("club", "atelier", title="Atelier vélo (nouvel horaire)")
    assert await agenda.handle(inbound(edit, 11)) is Outcome.APPLIED
    assert await agenda.handle(inbound(first, 10)) is Outcome.UNCHANGED  # redelivered, older

    sequences = [(type(f).__name__, f.event.sequence) for f in stream.facts]
    if later < timedelta(seconds=90):
        assert sequences == [("EventPublished", 0), ("EventUpdated", 1)]
    else:  # past JetStream's duplicate window, sending it again could store it twice
        assert sequences == [("EventUpdated", 1)]
