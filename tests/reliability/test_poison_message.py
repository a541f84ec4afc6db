"""Poison messages on a durable work consumer: dead-lettered after their deliveries, the rest
flows (issue 12). The consumer is `PullConsumer`, the agenda's, with its retry and dead-letter
policy (`vieasso.common.nats.redelivery`), on a real nats-server; only the attempts and delays
are shortened, so that the scenario takes seconds rather than the six minutes of retries a
service allows."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from tests.conftest import random_slug
from tests.reliability.conftest import Scenario
from vieasso.common import subjects
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.pull import PullConsumer
from vieasso.common.nats.redelivery import MAX_DELIVER

pytestmark = [pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(120)]

GOOD, RAISING, HANGING = 300, 3, 2
ATTEMPTS = 3
SERVICE = "poisontest"


async def test_poison_messages_go_to_the_dead_letters_after_max_deliver_and_the_rest_flows(
    nc: Client, js: JetStreamContext, scenario: Scenario
) -> None:
    scenario.describe(
        name="poison message → dead letter after max_deliver",
        load=f"{GOOD} good messages on a durable pull consumer (PullConsumer, 50 in flight)",
        faults=f"{RAISING} messages whose handler always raises, {HANGING} whose handler hangs "
        f"(never acks nor naks; ack_wait 1 s); attempts shortened to {ATTEMPTS}",
        inputs="messages the handler can never process",
        checked="each poison message on deadletter.<service>.<subject> once, after "
        f"{ATTEMPTS} attempts, with the reason and last error; every good message handled "
        "once; nothing left pending or unacknowledged on the consumer",
    )
    await provision(js, 1)
    stream = random_slug("poison").replace("-", "_").upper()
    subject = f"{stream.lower()}.in"
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"]))
    letters: list[DeadLetter] = []

    async def collect(msg: Msg) -> None:
        letters.append(DeadLetter.model_validate_json(msg.data))

    await nc.subscribe(subjects.deadletter(SERVICE, subject), cb=collect)
    poison = [f"raise-{i}" for i in range(RAISING)] + [f"hang-{i}" for i in range(HANGING)]
    bodies = [f"good-{i}" for i in range(GOOD)]
    await _publish_mixed(js, subject, bodies, poison)
    handled: Counter[str] = Counter()
    release = asyncio.Event()

    async def handle(msg: Msg) -> None:
        body = msg.data.decode()
        handled[body] += 1
        if body.startswith("raise"):
            raise RuntimeError(f"{body} can never be processed")
        if body.startswith("hang"):
            await release.wait()
            return
        await msg.ack()

    config = ConsumerConfig(
        durable_name="worker", filter_subject=subject, ack_policy=AckPolicy.EXPLICIT,
        ack_wait=1, max_deliver=MAX_DELIVER,
    )  # fmt: skip
    consumer = PullConsumer(
        nc, js, stream=stream, config=config, handler=handle, service=SERVICE,
        attempts=ATTEMPTS, retry_delay=0.05, max_in_flight=50,
    )  # fmt: skip
    started = time.monotonic()
    await consumer.start()
    try:
        async with asyncio.timeout(60):
            while not (len(letters) == len(poison) and len(handled) == GOOD + len(poison)):  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # polling what the handlers record
        scenario.figure("seconds until the last dead letter", time.monotonic() - started)
    finally:
        release.set()
        await consumer.stop()

    by_body = {letter.payload: letter for letter in letters}
    assert sorted(by_body) == sorted(poison)
    assert len(letters) == len(poison)
    for body, letter in by_body.items():
        assert handled[body] == ATTEMPTS
        assert f"delivered {ATTEMPTS + 1} times without being acknowledged" in letter.error
        if body.startswith("raise"):
            assert f"RuntimeError: {body} can never be processed" in letter.error
    assert all(handled[b] == 1 for b in bodies)
    assert await _unacknowledged(js, stream) == 0
    scenario.figure("good messages handled", sum(handled[b] for b in bodies))
    scenario.figure("dead letters", len(letters))


async def _publish_mixed(
    js: JetStreamContext, subject: str, bodies: list[str], poison: list[str]
) -> None:
    """The good bodies, with a poison one every 60."""
    for n, body in enumerate(bodies):
        if n % 60 == 0 and n // 60 < len(poison):
            await js.publish(subject, poison[n // 60].encode())
        await js.publish(subject, body.encode())


async def _unacknowledged(js: JetStreamContext, stream: str) -> int:
    """The consumer's pending and unacknowledged messages, once the server applied the acks
    (from a queue of its own: its info may lag the last ack a moment)."""
    info = await js.consumer_info(stream, "worker")
    async with asyncio.timeout(20):
        while info.num_ack_pending or info.num_pending:
            await asyncio.sleep(0.05)
            info = await js.consumer_info(stream, "worker")
    return int(info.num_ack_pending + info.num_pending)
