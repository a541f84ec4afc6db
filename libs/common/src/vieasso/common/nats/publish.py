"""Publishing facts to JetStream: deduplicated by ``Nats-Msg-Id``, acknowledged or raised."""

from __future__ import annotations

import asyncio
from typing import Protocol

from faststream.exceptions import IncorrectState
from faststream.nats import NatsBroker
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import PubAck

from vieasso.common.messages.base import Message
from vieasso.common.nats.catalogue import stream_for


class PublishError(RuntimeError):
    """JetStream did not acknowledge a publish: the fact is *not* saved."""


class Publish(Protocol):
    """What handlers receive to publish a message (a fake in unit tests)."""

    async def __call__(self, subject: str, message: Message) -> None: ...


class JetStreamPublisher:
    """Publishes a message and waits until JetStream has stored it.

    The ``Nats-Msg-Id`` header is the message's ``message_id``, so a retried publish within
    the stream's duplicate window is dropped by the server instead of stored twice.

    Through nats-py's `publish_async` (SPEC §2: "publish_async batching") on the broker's
    connection: one shared reply subscription and a future per message, where a request
    (`JetStreamContext.publish`, which FastStream's `broker.publish` calls) costs a timer
    and a waiter per message. On the agenda's hot path (B1) that is a publish per submission.
    """

    def __init__(self, broker: NatsBroker, *, timeout: float) -> None:
        self._broker = broker
        self._timeout = timeout

    async def __call__(self, subject: str, message: Message) -> None:
        await self.publish(subject, message)

    async def publish(self, subject: str, message: Message) -> PubAck:
        message_id = str(message.message_id)
        headers = {
            "Nats-Msg-Id": message_id,
            "Nats-Expected-Stream": stream_for(subject),
            "content-type": "application/json",
        }
        body = message.model_dump_json().encode()
        try:
            js: JetStreamContext = self._broker.config.connection_state.stream
            async with asyncio.timeout(self._timeout):
                return await (await js.publish_async(subject, body, headers=headers))
        except (NatsError, TimeoutError, IncorrectState) as exc:
            raise PublishError(f"{subject}: not acknowledged by JetStream ({exc!r})") from exc
