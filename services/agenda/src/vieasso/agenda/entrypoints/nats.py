"""NATS entrypoints of the agenda service (thin: parse, call one handler, acknowledge).

Submissions come from the durable pull consumer `agenda-submissions` (explicit acks),
through `vieasso.common.nats.pull.PullConsumer`: up to `batch_size` are handled at once (a
new pull request does not wait for the previous messages to finish: JetStream's writes,
each synced to disk, are the bottleneck). Each message is acknowledged once its event is
saved and its fact (or rejection, or dead letter) published; one that failed for an
infrastructure reason is redelivered after a delay that grows with each delivery, and one
delivered more than `redelivery.ATTEMPTS` times goes to the dead-letter stream with the
last error (`vieasso.common.nats.redelivery`): no message can come back for ever.

FastStream is not used for this subscriber: its per-message path (middleware, dependency
resolution, task group) and nats-py's `fetch()` under it cost more CPU than the handler
itself at B1's rate. The subscriber is still declared on a FastStream router by
`document_router`, for the AsyncAPI document only.
"""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import JStream, NatsRouter, PullSub
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from vieasso.agenda.handlers import Agenda, Inbound
from vieasso.common import subjects
from vieasso.common.messages.agenda import (
    EventCancelled,
    EventPublished,
    EventRejected,
    EventSubmission,
    EventUpdated,
)
from vieasso.common.messages.base import Message
from vieasso.common.messages.courrier import CourrierRequest
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.messages.screens import AnnouncementApproved, AnnouncementWithdrawn
from vieasso.common.nats.publish import documented_publishers
from vieasso.common.nats.pull import PullConsumer
from vieasso.common.nats.redelivery import MAX_DELIVER

STREAM = "AGENDA"
DURABLE = "agenda-submissions"
SERVICE = "agenda"
RETRY_DELAY = 2.0


def consumer_config(durable: str = DURABLE) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        filter_subject=subjects.SUBMISSIONS_ALL,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=15,  # in flight when a process dies: redelivered after this
        max_ack_pending=20_000,
        max_deliver=MAX_DELIVER,  # then dead-lettered (see `redelivery`), never again
    )


def submissions_consumer(
    agenda: Callable[[], Agenda],
    nc: Client,
    js: JetStreamContext,
    *,
    durable: str = DURABLE,
    batch_size: int = 500,
) -> PullConsumer:

    async def on_submission(raw: Msg) -> None:
        inbound = Inbound(raw.subject, raw.data, raw.headers or {}, _seq(raw))
        await agenda().handle(inbound)  # raises: nak'd with a delay, then dead-lettered
        await raw.ack()

    return PullConsumer(
        nc,
        js,
        stream=STREAM,
        config=consumer_config(durable),
        handler=on_submission,
        service=SERVICE,
        retry_delay=RETRY_DELAY,
        max_in_flight=batch_size,
    )


def _seq(message: Msg) -> int | None:
    """The submission's stream sequence (nats-py reads both forms of the ack subject)."""
    try:
        return int(message.metadata.sequence.stream)
    except (ValueError, AttributeError, IndexError):
        return None


def build_router() -> NatsRouter:
    """What the agenda publishes (through `JetStreamPublisher`), for the AsyncAPI document."""
    return documented_publishers(_DOCUMENTED)


def document_router(durable: str = DURABLE) -> NatsRouter:
    """The submissions subscriber as FastStream would declare it: for the AsyncAPI document
    only (the service consumes through `submissions_consumer`)."""
    router = NatsRouter()

    @router.subscriber(
        subjects.SUBMISSIONS_ALL,
        stream=JStream(name=STREAM, declare=False),
        durable=durable,
        config=consumer_config(durable),
        pull_sub=PullSub(),
        title="agenda.submissions.<slug>",
        description=(
            "Inbound `EventSubmission` (JSON; see docs/schemas): applied, refused with "
            "reasons on agenda.rejections.<slug>, or dead-lettered."
        ),
    )
    async def on_submission(submission: EventSubmission) -> None:  # pragma: no cover
        raise NotImplementedError("documentation only")

    return router


_DOCUMENTED: tuple[tuple[str, type[Message]], ...] = (
    ("agenda.events.{slug}.published", EventPublished),
    ("agenda.events.{slug}.updated", EventUpdated),
    ("agenda.events.{slug}.cancelled", EventCancelled),
    ("agenda.rejections.{slug}", EventRejected),
    # announcements on the city's screens (screen_handlers.py), one fact per screen
    ("agenda.screens.{screen_id}.announcements.approved", AnnouncementApproved),
    ("agenda.screens.{screen_id}.announcements.withdrawn", AnnouncementWithdrawn),
    ("deadletter.agenda.agenda.submissions.{slug}", DeadLetter),
    # the mail telling an association that the city hid its event (moderation.py)
    ("courrier.requests.agenda", CourrierRequest),
)
