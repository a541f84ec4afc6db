"""NATS subscribers of the agenda service (thin: parse, call one handler, return).

Submissions come from a durable pull consumer (explicit acks), fetched `batch_size` at a
time and handled by as many concurrent workers (a fetch does not wait for the previous one
to finish: JetStream's writes, each synced to disk, are the bottleneck); each message is
acknowledged once its event is saved and its fact (or rejection, or dead letter) published;
one that failed for an infrastructure reason is redelivered after a delay.

FastStream's `PullSub(batch=True)` is not used: in 0.7.8 its fetch loop lets nats-py's
`asyncio.TimeoutError` escape and drops the messages already fetched in that round, which
then wait for the ack deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.nats import ConsumerConfig, JStream, NatsRouter, PullSub
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy

from vieasso.agenda.handlers import Agenda, Inbound
from vieasso.common import subjects
from vieasso.common.messages.agenda import (
    EventCancelled,
    EventPublished,
    EventRejected,
    EventUpdated,
)
from vieasso.common.messages.base import Message
from vieasso.common.messages.deadletter import DeadLetter

log = logging.getLogger(__name__)

DURABLE = "agenda-submissions"
RETRY_DELAY = 2.0


async def _raw_message(message: StreamMessage[Any]) -> Any:
    """Hand the handler the nats-py message itself: no JSON decoding (an undecodable body
    must reach the handler) and no per-message context lookup."""
    return message.raw_message


def _seq(message: Msg) -> int | None:
    try:
        return int(message.metadata.sequence.stream)
    except (ValueError, AttributeError):
        return None


def build_router(
    agenda: Callable[[], Agenda],
    *,
    durable: str = DURABLE,
    batch_size: int = 500,
    inbox_prefix: bytes = b"_INBOX.",
) -> NatsRouter:
    """`inbox_prefix`: the service's own (`NatsRuntime.inbox_prefix`), which its NATS user
    may subscribe to; FastStream does not take the connection's."""
    router = NatsRouter()

    @router.subscriber(
        subjects.SUBMISSIONS_ALL,
        stream=JStream(name="AGENDA", declare=False),
        durable=durable,
        config=ConsumerConfig(
            ack_policy=JsAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=15,  # in flight when a process dies: redelivered after this
            max_ack_pending=20_000,
        ),
        pull_sub=PullSub(batch_size=batch_size, timeout=5.0),
        inbox_prefix=inbox_prefix,
        max_workers=batch_size,
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_message,
        title="agenda.submissions.<slug>",
        description=(
            "Inbound `EventSubmission` (JSON; see docs/schemas): applied, refused with "
            "reasons on agenda.rejections.<slug>, or dead-lettered."
        ),
    )
    async def on_submission(raw: Any) -> None:  # `Any`: no cast, no context lookup
        # (`NoCast`/`Context` parameters are resolved in a worker thread per message)
        inbound = Inbound(raw.subject, raw.data, dict(raw.headers or {}), _seq(raw))
        try:
            await agenda().handle(inbound)
        except Exception:
            log.exception("submission not processed; it will be redelivered")
            await raw.nak(delay=RETRY_DELAY)
        else:
            await raw.ack()

    for subject, model in _DOCUMENTED:
        router.publisher(
            subject, schema=model, title=subject, description=(model.__doc__ or "").strip()
        )
    return router


_DOCUMENTED: tuple[tuple[str, type[Message]], ...] = (
    ("agenda.events.{slug}.published", EventPublished),
    ("agenda.events.{slug}.updated", EventUpdated),
    ("agenda.events.{slug}.cancelled", EventCancelled),
    ("agenda.rejections.{slug}", EventRejected),
    ("deadletter.agenda.agenda.submissions.{slug}", DeadLetter),
)
"""What the agenda publishes (through `JetStreamPublisher`), for the AsyncAPI document."""
