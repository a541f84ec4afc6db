"""NATS side of the newsletter, for the AsyncAPI document (`make docs`).

The newsletter reads the directory and agenda facts with ephemeral pull consumers (its
index is rebuilt at every start, `adapters/facts.py`), the deliveries work queue with a
durable pull consumer (`entrypoints/sender.py`) and the mail requests of other services with
another (`entrypoints/courrier.py`, documented by its `document_router`): raw nats-py,
because they need batch fetches and explicit acknowledgement timing that FastStream's
subscribers do not expose; the associations' letter choices (``newsletter.associations.*.*``,
published by the association space and by the letter's one-click link) are replayed like
the facts (`adapters/letter_choices.py`). The publishers below only document what it
publishes; handlers publish through `JetStreamPublisher` (facts, mail outcomes) and
`DeliveryQueue` (deliveries), which wait for the ack.
"""

from __future__ import annotations

from faststream.nats import NatsRouter
from pydantic import BaseModel

from vieasso.common.messages.courrier import CourrierFailed, CourrierSent, LetterChoice
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.messages.newsletter import (
    DeliveryBatch,
    EditionBuilt,
    EditionSent,
    SubscriberLeft,
)
from vieasso.common.nats.publish import documented_publishers

PUBLISHED: tuple[tuple[str, type[BaseModel]], ...] = (
    ("newsletter.editions.{edition_id}.built", EditionBuilt),
    ("newsletter.editions.{edition_id}.sent", EditionSent),
    ("newsletter.subscribers.{subscriber_id}.{departure}", SubscriberLeft),
    ("newsletter.associations.{slug}.{choice}", LetterChoice),
    ("deliveries.newsletter.{edition_id}", DeliveryBatch),
    ("courrier.sent.{service}", CourrierSent),
    ("courrier.failed.{service}", CourrierFailed),
    ("deadletter.newsletter.courrier.requests.{service}", DeadLetter),
)


def build_router() -> NatsRouter:
    return documented_publishers(PUBLISHED)
