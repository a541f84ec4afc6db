"""NATS side of the annuaire: it publishes directory facts, the mails it asks the
newsletter for (SPEC §8) and associations' choices about their letter. It reads the
ressources' annonce facts (``ressources.annonces.>``) to count them on the home page, with
an ephemeral consumer replaying the stream at every start (`adapters/entraide.py`, raw
nats-py like the newsletter's indexes), and the letter choices by "last message" requests.

The publishers below only document those facts in the AsyncAPI document (`make docs`); the
handlers publish through `JetStreamPublisher`, which waits for the JetStream ack.
"""

from __future__ import annotations

from faststream.nats import NatsRouter
from pydantic import BaseModel

from vieasso.common.messages.annuaire import (
    AssociationArchived,
    AssociationRegistered,
    AssociationUpdated,
    AssociationValidated,
    MissionClosed,
    MissionPublished,
    MissionUpdated,
    VenueArchived,
    VenueUpserted,
)
from vieasso.common.messages.courrier import CourrierRequest, LetterChoice
from vieasso.common.nats.publish import documented_publishers

FACTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("annuaire.associations.{slug}.registered", AssociationRegistered),
    ("annuaire.associations.{slug}.updated", AssociationUpdated),
    ("annuaire.associations.{slug}.validated", AssociationValidated),
    ("annuaire.associations.{slug}.archived", AssociationArchived),
    ("annuaire.missions.{mission_id}.published", MissionPublished),
    ("annuaire.missions.{mission_id}.updated", MissionUpdated),
    ("annuaire.missions.{mission_id}.closed", MissionClosed),
    ("annuaire.venues.{venue_id}.upserted", VenueUpserted),
    ("annuaire.venues.{venue_id}.archived", VenueArchived),
    ("courrier.requests.annuaire", CourrierRequest),
    ("newsletter.associations.{slug}.subscribed", LetterChoice),
    ("newsletter.associations.{slug}.unsubscribed", LetterChoice),
)


def build_router() -> NatsRouter:
    return documented_publishers(FACTS)
