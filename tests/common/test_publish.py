"""Publishing facts: acknowledged by JetStream, duplicates dropped by `Nats-Msg-Id`."""

from __future__ import annotations

import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from tests.conftest import random_slug
from vieasso.common import subjects
from vieasso.common.messages import EventRejected, FieldError
from vieasso.common.nats.deadletter import send_to_dead_letter
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import JetStreamPublisher, PublishError

pytestmark = pytest.mark.nats


def _rejection(slug: str) -> EventRejected:
    reason = FieldError(field="title", message="Ce champ est obligatoire.", code="missing")
    return EventRejected(association=slug, event_id="e1", reasons=(reason,))


async def test_publishing_the_same_message_twice_stores_it_once(
    nats_url: str, js: JetStreamContext
) -> None:
    await provision(js, replicas=1)
    slug = random_slug()
    message = _rejection(slug)
    async with NatsBroker(nats_url) as broker:
        publisher = JetStreamPublisher(broker, timeout=5)
        first = await publisher.publish(subjects.rejection(slug), message)
        second = await publisher.publish(subjects.rejection(slug), message)

    assert first.stream == "AGENDA"
    assert second.duplicate is True
    assert second.seq == first.seq
    stored = await js.get_last_msg("AGENDA", subjects.rejection(slug))
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == str(message.message_id)
    assert stored.data is not None
    assert EventRejected.model_validate_json(stored.data) == message


async def test_publishing_to_a_subject_no_stream_stores_is_refused(nats_url: str) -> None:
    async with NatsBroker(nats_url) as broker:
        publisher = JetStreamPublisher(broker, timeout=1)
        with pytest.raises(LookupError):
            await publisher.publish("nowhere.at.all", _rejection("x"))


async def test_publishing_on_a_broker_that_is_not_connected_raises_our_error() -> None:
    publisher = JetStreamPublisher(NatsBroker("nats://127.0.0.1:1"), timeout=0.5)
    with pytest.raises(PublishError):
        await publisher.publish(subjects.rejection("x"), _rejection("x"))


async def test_dead_letter_keeps_the_payload_and_the_reason_and_dedups(
    nats_url: str, js: JetStreamContext
) -> None:
    await provision(js, replicas=1)
    slug = random_slug()
    original = subjects.submission(slug)
    async with NatsBroker(nats_url) as broker:
        publisher = JetStreamPublisher(broker, timeout=5)
        for _ in range(2):
            await send_to_dead_letter(
                publisher,
                service="agenda",
                subject=original,
                body=b"{not json",
                headers={"Nats-Msg-Id": "abc"},
                error="invalid JSON",
            )

    info = await js.stream_info("DEADLETTER", subjects_filter=f"deadletter.agenda.{original}")
    assert info.state.subjects == {f"deadletter.agenda.{original}": 1}
    stored = await js.get_last_msg("DEADLETTER", f"deadletter.agenda.{original}")
    assert stored.data is not None
    assert b'"payload":"{not json"' in stored.data
    assert b"invalid JSON" in stored.data
