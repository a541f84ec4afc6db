"""The mail requests of other services (``courrier.requests.<service>``, stream ``COURRIER``).

A durable pull consumer, `newsletter-courrier` (`vieasso.common.nats.pull.PullConsumer`),
started by the serving newsletter only: parse, hand to `handlers.courrier.Courrier`,
acknowledge. A request that can never be sent (not a request, unknown template, bad
parameters, unknown or archived association, no private contact, unknown city team) goes
to ``deadletter.newsletter.courrier.requests.<service>`` with the reason and is terminated;
one whose handling failed (NATS, KV) comes back with a growing delay, and after
`redelivery.ATTEMPTS` deliveries goes to the dead letters too (``max_deliver`` leaves room
for that). While a mail waits to be retried, the message is kept alive (`in_progress`).
"""

from __future__ import annotations

import asyncio
import logging

from faststream.nats import JStream, NatsRouter, PullSub
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from vieasso.common import subjects
from vieasso.common.messages.courrier import CourrierRequest
from vieasso.common.nats.deadletter import publish_dead_letter
from vieasso.common.nats.pull import PullConsumer
from vieasso.common.nats.redelivery import MAX_DELIVER
from vieasso.newsletter.domain.courrier import Refused
from vieasso.newsletter.entrypoints.sender import keep_alive
from vieasso.newsletter.handlers.courrier import Courrier

log = logging.getLogger(__name__)

SERVICE = "newsletter"
STREAM = "COURRIER"
CONSUMER = "newsletter-courrier"
RETRY_DELAY = 5.0  # seconds before a failed request comes back, doubling with each delivery
IN_FLIGHT = 64


def consumer_config(ack_wait: float) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=CONSUMER,
        filter_subject=subjects.COURRIER_REQUESTS_ALL,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,  # a request held by a dead process comes back after this
        max_ack_pending=1000,
        max_deliver=MAX_DELIVER,  # then dead-lettered (see `redelivery`), never again
    )


def requests_consumer(
    courrier: Courrier, nc: Client, js: JetStreamContext, ack_wait: float
) -> PullConsumer:
    async def on_request(msg: Msg) -> None:
        requester = subjects.slug_of(msg.subject)
        try:
            request = CourrierRequest.model_validate_json(msg.data)
        except ValidationError as exc:
            await _refuse(js, msg, f"not a mail request: {_first(exc)}")
            return
        heartbeat = asyncio.create_task(keep_alive(msg, ack_wait / 3))
        try:
            await courrier.handle(requester, request)
        except Refused as exc:
            await _refuse(js, msg, str(exc))
            return
        finally:
            heartbeat.cancel()
        await msg.ack()

    return PullConsumer(
        nc,
        js,
        stream=STREAM,
        config=consumer_config(ack_wait),
        handler=on_request,
        service=SERVICE,
        retry_delay=RETRY_DELAY,
        max_in_flight=IN_FLIGHT,
    )


async def _refuse(js: JetStreamContext, msg: Msg, reason: str) -> None:
    await publish_dead_letter(js, SERVICE, msg, reason)
    await msg.term()
    log.warning("mail request dead-lettered: %s", reason, extra={"subject": msg.subject})


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"


def document_router() -> NatsRouter:
    """The requests' subscriber as FastStream would declare it, for the AsyncAPI document
    only (the service consumes through `requests_consumer`; the outcomes are among
    `entrypoints.nats.PUBLISHED`)."""
    router = NatsRouter()

    @router.subscriber(
        subjects.COURRIER_REQUESTS_ALL,
        stream=JStream(name=STREAM, declare=False),
        durable=CONSUMER,
        config=consumer_config(60.0),
        pull_sub=PullSub(),
        title="courrier.requests.<service>",
        description=(
            "`CourrierRequest` (work queue, no address): a mail to an association's private "
            "contact or a city team, by template; sent at most once per key, outcome on "
            "courrier.sent/failed.<service>, or dead-lettered with the reason."
        ),
    )
    async def on_request(request: CourrierRequest) -> None:  # pragma: no cover
        raise NotImplementedError("documentation only")

    return router
