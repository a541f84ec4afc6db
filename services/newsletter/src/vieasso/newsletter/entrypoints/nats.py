"""NATS side of the newsletter, for the AsyncAPI document (`make docs`).

The newsletter reads the directory and agenda facts with ephemeral pull consumers (its
index is rebuilt at every start, `adapters/facts.py`) and the deliveries work queue with a
durable pull consumer (`entrypoints/sender.py`): raw nats-py, because both need batch
fetches and explicit acknowledgement timing that FastStream's subscribers do not expose;
the associations' letter choices (``newsletter.associations.*.*``, published by the
association space and by the letter's one-click link) are replayed the same way
(`adapters/letter_choices.py`). The publishers below only document what it publishes;
handlers publish through `JetStreamPublisher` (facts) and `DeliveryQueue` (deliveries),
which wait for the ack.
"""

from __future__ import annotations

from faststream.nats import NatsRouter
from pydantic import BaseModel

from vieasso.common.messages.courrier import LetterChoice
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
)


def build_router() -> NatsRouter:
    return documented_publishers(PUBLISHED)
