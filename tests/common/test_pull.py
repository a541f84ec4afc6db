"""`PullConsumer`: every message handled, at most `max_in_flight` at once, never stalled."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from tests.conftest import random_slug
from vieasso.agenda.entrypoints.nats import consumer_config as agenda_consumer_config
from vieasso.common import subjects
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.pull import Handler, PullConsumer
from vieasso.common.nats.redelivery import MAX_DELIVER
from vieasso.newsletter.adapters.queue import consumer_config as newsletter_consumer_config

pytestmark = pytest.mark.nats
SERVICE = "pulltest"


async def _stream(js: JetStreamContext) -> tuple[str, str]:
    name = random_slug("pull").replace("-", "_").upper()
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"]))
    return name, f"{name.lower()}.in"


def _config(subject: str, ack_wait: float | None = None) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name="worker",
        filter_subject=subject,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=MAX_DELIVER,
    )


@asynccontextmanager
async def _consuming(
    nc: Client, js: JetStreamContext, stream: str, config: ConsumerConfig, handle: Handler,
    **options: Any,
) -> AsyncIterator[PullConsumer]:  # fmt: skip
    consumer = PullConsumer(
        nc, js, stream=stream, config=config, handler=handle, service=SERVICE, **options
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


class _Recorder:
    """A handler that records each body and acknowledges it."""

    def __init__(self) -> None:
        self.got: list[bytes] = []

    async def __call__(self, msg: Msg) -> None:
        self.got.append(msg.data)
        await msg.ack()


async def _wait(condition: Callable[[], bool], within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polling what the handlers record
            await asyncio.sleep(0.02)


async def _settled(js: JetStreamContext, stream: str, within: float = 20.0) -> None:
    """Wait until the consumer has nothing pending nor unacknowledged: the server applies
    acknowledgements from a queue of its own, so its info may lag the last ack a moment."""
    async with asyncio.timeout(within):
        while True:
            info = await js.consumer_info(stream, "worker")
            if info.num_ack_pending == 0 and info.num_pending == 0:
                return
            await asyncio.sleep(0.05)


async def test_every_message_is_handled_once_with_at_most_max_in_flight(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    for i in range(300):
        await js.publish(subject, str(i).encode())
    seen: Counter[bytes] = Counter()
    running = peak = 0

    async def handle(msg: Msg) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        seen[msg.data] += 1
        running -= 1
        await msg.ack()

    async with _consuming(nc, js, stream, _config(subject), handle, max_in_flight=40):
        await _wait(lambda: len(seen) == 300)

    assert set(seen) == {str(i).encode() for i in range(300)}
    assert max(seen.values()) == 1
    assert 1 < peak <= 40
    await _settled(js, stream)


async def test_a_message_published_after_an_idle_while_is_still_handled(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    record = _Recorder()
    async with _consuming(nc, js, stream, _config(subject), record, expires=0.3):
        await asyncio.sleep(1.0)  # several pull requests expire (408) meanwhile
        await js.publish(subject, b"late")
        await _wait(lambda: record.got == [b"late"])


async def test_a_nakd_message_comes_back_and_a_failing_handler_does_not_stop_the_rest(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    for body in (b"nak", b"boom", b"ok"):
        await js.publish(subject, body)
    deliveries: Counter[bytes] = Counter()

    async def handle(msg: Msg) -> None:
        deliveries[msg.data] += 1
        if msg.data == b"nak" and deliveries[msg.data] == 1:
            await msg.nak()
        elif msg.data == b"boom" and deliveries[msg.data] == 1:
            raise RuntimeError("a bug in the handler")  # not acked: back after ack_wait
        else:
            await msg.ack()

    async with _consuming(nc, js, stream, _config(subject, ack_wait=1), handle):
        await _wait(lambda: deliveries == Counter({b"nak": 2, b"boom": 2, b"ok": 1}))


async def test_the_consumer_is_declared_again_when_it_was_deleted(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    record = _Recorder()
    async with _consuming(nc, js, stream, _config(subject), record, expires=0.5):
        await js.publish(subject, b"before")
        await _wait(lambda: record.got == [b"before"])
        await js.delete_consumer(stream, "worker")
        await js.publish(subject, b"after")
        # declared anew, it delivers the stream from the start again (deliver policy all)
        await _wait(lambda: b"after" in record.got)


async def test_stop_lets_the_messages_being_handled_finish(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    for i in range(5):
        await js.publish(subject, str(i).encode())
    handling: list[bytes] = []
    release = asyncio.Event()
    done: list[bytes] = []

    async def handle(msg: Msg) -> None:
        handling.append(msg.data)
        await release.wait()
        await msg.ack()
        done.append(msg.data)

    consumer = PullConsumer(
        nc, js, stream=stream, config=_config(subject), handler=handle, service=SERVICE
    )
    await consumer.start()
    await _wait(lambda: len(handling) == 5)  # all five in hand before stop() is called
    stopping = asyncio.create_task(consumer.stop())
    finished, _ = await asyncio.wait({stopping}, timeout=0.5)
    assert not finished, "stop() returned while five messages were still being handled"
    release.set()
    await stopping

    assert sorted(done) == [str(i).encode() for i in range(5)]
    assert consumer.in_flight == 0


class _DeadLetters:
    """The dead letters of one subject, as published (a core subscription)."""

    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    async def collect(self, msg: Msg) -> None:
        self.letters.append(DeadLetter.model_validate_json(msg.data))


async def _dead_letters(nc: Client, js: JetStreamContext, subject: str) -> _DeadLetters:
    await provision(js, 1)  # the DEADLETTER stream
    box = _DeadLetters()
    await nc.subscribe(subjects.deadletter(SERVICE, subject), cb=box.collect)
    return box


async def test_a_poison_message_is_dead_lettered_after_max_deliver_and_the_rest_flows(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    box = await _dead_letters(nc, js, subject)
    for body in (b"poison", *(f"ok-{i}".encode() for i in range(10))):
        await js.publish(subject, body)
    calls: Counter[bytes] = Counter()
    record = _Recorder()

    async def handle(msg: Msg) -> None:
        calls[msg.data] += 1
        if msg.data == b"poison":
            raise RuntimeError("this body can never be handled")
        await record(msg)

    async with _consuming(
        nc, js, stream, _config(subject), handle, attempts=3, retry_delay=0.05
    ) as consumer:
        await _wait(lambda: len(box.letters) == 1 and len(record.got) == 10)
        await _wait(lambda: consumer.in_flight == 0)

    [letter] = box.letters
    assert calls[b"poison"] == 3  # its attempts; the fourth delivery went to the dead letters
    assert letter.payload == "poison"
    assert letter.original_subject == subject
    assert "delivered 4 times without being acknowledged" in letter.error
    assert "RuntimeError: this body can never be handled" in letter.error
    await _settled(js, stream)


async def test_a_message_whose_handler_hangs_is_dead_lettered_once_redelivered_enough(
    nc: Client, js: JetStreamContext
) -> None:
    """A hung handler never naks: the server's redeliveries after ack_wait count all the
    same (after a restart too: the count is the server's)."""
    stream, subject = await _stream(js)
    box = await _dead_letters(nc, js, subject)
    await js.publish(subject, b"hang")
    await js.publish(subject, b"fine")
    release = asyncio.Event()
    record = _Recorder()
    hung = 0

    async def handle(msg: Msg) -> None:
        nonlocal hung
        if msg.data == b"hang":
            hung += 1
            await release.wait()  # "for ever": never acks, never naks
            return
        await record(msg)

    config = _config(subject, ack_wait=1)
    async with _consuming(nc, js, stream, config, handle, attempts=2) as consumer:
        try:
            await _wait(lambda: len(box.letters) == 1)
        finally:
            release.set()
        await _wait(lambda: consumer.in_flight == 0)

    [letter] = box.letters
    assert hung == 2
    assert record.got == [b"fine"]
    assert "delivered 3 times" in letter.error
    assert "none seen by this process" in letter.error
    await _settled(js, stream)


def test_a_consumer_without_room_to_dead_letter_is_refused(
    nc: Client, js: JetStreamContext
) -> None:
    config = ConsumerConfig(durable_name="worker", max_deliver=3)
    with pytest.raises(ValueError, match="max_deliver"):
        PullConsumer(nc, js, stream="S", config=config, handler=_Recorder(), service=SERVICE)


async def test_a_durable_declared_before_max_deliver_existed_gets_it_at_start(
    nc: Client, js: JetStreamContext
) -> None:
    stream, subject = await _stream(js)
    old = ConsumerConfig(
        durable_name="worker", filter_subject=subject, ack_policy=AckPolicy.EXPLICIT
    )
    await js.add_consumer(stream, old)
    async with _consuming(nc, js, stream, _config(subject), _Recorder()):
        info = await js.consumer_info(stream, "worker")
    assert info.config.max_deliver == MAX_DELIVER


def test_every_durable_work_consumer_is_declared_with_max_deliver() -> None:
    assert agenda_consumer_config().max_deliver == MAX_DELIVER
    assert newsletter_consumer_config().max_deliver == MAX_DELIVER


async def test_stop_ends_when_the_pull_request_ends_as_it_is_cancelled(
    nc: Client, js: JetStreamContext
) -> None:
    """The loop waits for its request's end through `asyncio.wait_for`, which on Python 3.11
    loses a cancellation landing in the step its wait ends (`vieasso.common.tasks`): the stop
    waited for ever when the server's 408 (every `expires` seconds on an idle stream) came then.
    """
    stream, subject = await _stream(js)
    consumer = PullConsumer(
        nc, js, stream=stream, config=_config(subject), handler=_Recorder(), service=SERVICE
    )
    await consumer.start()
    await _wait(lambda: consumer._owed > 0)  # its request is out, the stream is empty
    expired = Msg(nc, subject="inbox", headers={"Status": "408", "Description": "Request Timeout"})
    await consumer._on_message(expired)  # the server's answer, as the stop begins
    stopping = asyncio.create_task(consumer.stop())
    done, _ = await asyncio.wait({stopping}, timeout=15)  # a hang, not a speed bound
    assert done, "the consumer's stop hangs: its loop lost the cancellation"
