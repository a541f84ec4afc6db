"""NATS side of the aides service: it subscribes to nothing; it publishes the aid-scheme
facts (SPEC §8).

The publishers below only document those messages in the AsyncAPI document (`make docs`);
the handlers publish through `JetStreamPublisher`, which waits for the JetStream ack.
"""

from __future__ import annotations

from faststream.nats import NatsRouter
from pydantic import BaseModel

from vieasso.common.messages.aides import SchemePublished, SchemeUpdated, SchemeWithdrawn
from vieasso.common.nats.publish import documented_publishers

FACTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("aides.schemes.{scheme_id}.published", SchemePublished),
    ("aides.schemes.{scheme_id}.updated", SchemeUpdated),
    ("aides.schemes.{scheme_id}.withdrawn", SchemeWithdrawn),
)


def build_router() -> NatsRouter:
    return documented_publishers(FACTS)
