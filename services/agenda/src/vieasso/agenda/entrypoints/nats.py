"""NATS subscribers of the agenda service (thin: parse, call one handler, return).

Submissions arrive in batches from a durable pull consumer (explicit acks): each message is
acknowledged once its event is saved and its fact (or rejection, or dead letter) published;
a message that failed for an infrastructure reason is redelivered after a delay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from faststream import AckPolicy, Context
from faststream.message import StreamMessage
from faststream.nats import ConsumerConfig, JStream, NatsRouter, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy

from vieasso.agenda.handlers import Agenda, Inbound, Outcome
from vieasso.common import subjects

DURABLE = "agenda-submissions"
RETRY_DELAY = 2.0


async def _raw_bodies(message: StreamMessage[Any]) -> Any:
    """Leave bodies as bytes: an undecodable one must reach the handler, not fail the batch."""
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
        pull_sub=PullSub(batch_size=batch_size, timeout=0.05, batch=True),
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_bodies,
        title="agenda.submissions.<slug>",
        description="Event submissions: applied, refused with reasons, or dead-lettered.",
    )
    async def on_submissions(message: Annotated[NatsBatchMessage, Context("message")]) -> None:
        raw = message.raw_message
        batch = [Inbound(m.subject, m.data, dict(m.headers or {}), _seq(m)) for m in raw]
        outcomes = await agenda().handle_batch(batch)
        for msg, outcome in zip(raw, outcomes, strict=True):
            if outcome is Outcome.RETRY:
                await msg.nak(delay=RETRY_DELAY)
            else:
                await msg.ack()

    return router
