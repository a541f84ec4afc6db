"""Publishing facts to JetStream: deduplicated by ``Nats-Msg-Id``, acknowledged or raised."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from faststream.exceptions import IncorrectState
from faststream.nats import NatsBroker, NatsRouter
from nats.errors import Error as NatsError
from nats.js.api import PubAck
from pydantic import BaseModel

from vieasso.common.messages.base import Message
from vieasso.common.nats.catalogue import stream_for

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """JetStream did not acknowledge a publish: the fact is *not* saved."""


class Publish(Protocol):
    """What handlers receive to publish a message (a fake in unit tests)."""

    async def __call__(self, subject: str, message: Message) -> None: ...


class JetStreamPublisher:
    """Publishes a message and waits until JetStream has stored it.

    The ``Nats-Msg-Id`` header is the message's ``message_id``, so a retried publish within
    the stream's duplicate window is dropped by the server instead of stored twice.
    """

    def __init__(self, broker: NatsBroker, *, timeout: float) -> None:
        self._broker = broker
        self._timeout = timeout

    async def __call__(self, subject: str, message: Message) -> None:
        await self.publish(subject, message)

    async def publish(self, subject: str, message: Message) -> PubAck:
        message_id = str(message.message_id)
        try:
            ack = await self._broker.publish(
                message.model_dump_json().encode(),
                subject,
                headers={"Nats-Msg-Id": message_id, "content-type": "application/json"},
                correlation_id=message_id,
                stream=stream_for(subject),
                timeout=self._timeout,
            )
        except (NatsError, TimeoutError, IncorrectState) as exc:
            # str() of a JetStream error carries the server's reason ("maximum bytes exceeded")
            reason = str(exc) or repr(exc)
            log.error(  # noqa: TRY400 - the reason is the whole story; no traceback
                "publish not acknowledged", extra={"subject": subject, "reason": reason}
            )
            raise PublishError(f"{subject}: not acknowledged by JetStream ({reason})") from exc
        if ack is None:  # pragma: no cover - stream= always yields an ack
            raise PublishError(f"{subject}: no acknowledgement")
        return ack


def documented_publishers(published: Iterable[tuple[str, type[BaseModel]]]) -> NatsRouter:
    """A router declaring one publisher per (subject, payload model), for the AsyncAPI
    document only: the handlers publish through `JetStreamPublisher`."""
    router = NatsRouter()
    for subject, model in published:
        router.publisher(
            subject, schema=model, title=subject, description=(model.__doc__ or "").strip()
        )
    return router
