"""NATS subscribers of the agenda service (thin: parse, call one handler, return).

Submissions come from a durable pull consumer (explicit acks), fetched `batch_size` at a
time and handled concurrently; each message is acknowledged once its event is saved and its
fact (or rejection, or dead letter) published; one that failed for an infrastructure reason
is redelivered after a delay.

FastStream's `PullSub(batch=True)` is not used: in 0.7.8 its fetch loop lets nats-py's
`asyncio.TimeoutError` escape and drops the messages already fetched in that round, which
then wait for the ack deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from faststream import AckPolicy, Context
from faststream.message import StreamMessage
from faststream.nats import ConsumerConfig, JStream, NatsRouter, PullSub
from faststream.nats.message import NatsMessage
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy

from vieasso.agenda.handlers import Agenda, Inbound
from vieasso.common import subjects

log = logging.getLogger(__name__)

DURABLE = "agenda-submissions"
RETRY_DELAY = 2.0


async def _raw_bodies(message: StreamMessage[Any]) -> Any:
    """Skip FastStream's JSON decoding: an undecodable body must reach the handler."""
    return None


def _seq(message: Msg) -> int | None:
    try:
        return int(message.metadata.sequence.stream)
    except (ValueError, AttributeError):
        return None


def build_router(
    agenda: Callable[[], Agenda], *, durable: str = DURABLE, batch_size: int = 500
) -> NatsRouter:
    router = NatsRouter()

    @router.subscriber(
        subjects.SUBMISSIONS_ALL,
        stream=JStream(name="AGENDA", declare=False),
        durable=durable,
        config=ConsumerConfig(
            ack_policy=JsAckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=60,
            max_ack_pending=20_000,
        ),
        pull_sub=PullSub(batch_size=batch_size, timeout=5.0),
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_bodies,
        title="agenda.submissions.<slug>",
        description="Event submissions: applied, refused with reasons, or dead-lettered.",
    )
    async def on_submission(message: Annotated[NatsMessage, Context("message")]) -> None:
        raw: Msg = message.raw_message
        inbound = Inbound(raw.subject, raw.data, dict(raw.headers or {}), _seq(raw))
        try:
            await agenda().handle(inbound)
        except Exception:
            log.exception("submission not processed; it will be redelivered")
            await raw.nak(delay=RETRY_DELAY)
        else:
            await raw.ack()

    return router
