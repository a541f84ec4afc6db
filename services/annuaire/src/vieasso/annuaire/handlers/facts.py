"""Facts of every change, published after the KV write with a deterministic message id.

Write order: the KV compare-and-set first (the record is saved), then the fact, whose
`message_id` is `uuid5(bucket/key/revision/change)`. Publishing the same revision again (a
retry, or the start-up catch-up of recent changes) gives the same `Nats-Msg-Id`, which
JetStream drops inside its duplicate window: a change is announced once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.common import subjects
from vieasso.common.directory import ASSOCIATIONS, MISSIONS, VENUES
from vieasso.common.messages.annuaire import (
    AssociationArchived,
    AssociationFact,
    AssociationRegistered,
    AssociationUpdated,
    AssociationValidated,
    MissionClosed,
    MissionFact,
    MissionPublished,
    MissionUpdated,
    VenueArchived,
    VenueFact,
    VenuePublic,
    VenueUpserted,
)
from vieasso.common.nats.publish import Publish
from vieasso.common.subjects import AssociationChange, MissionChange, VenueChange

NAMESPACE = uuid.UUID("6f1c7d2e-5b7a-4c1e-9a53-0d4f3b2a9e11")

_ASSOCIATION_FACTS: dict[AssociationChange, type[AssociationFact]] = {
    AssociationChange.REGISTERED: AssociationRegistered,
    AssociationChange.UPDATED: AssociationUpdated,
    AssociationChange.VALIDATED: AssociationValidated,
    AssociationChange.ARCHIVED: AssociationArchived,
}
_MISSION_FACTS: dict[MissionChange, type[MissionFact]] = {
    MissionChange.PUBLISHED: MissionPublished,
    MissionChange.UPDATED: MissionUpdated,
    MissionChange.CLOSED: MissionClosed,
}
_VENUE_FACTS: dict[VenueChange, type[VenueFact]] = {
    VenueChange.UPSERTED: VenueUpserted,
    VenueChange.ARCHIVED: VenueArchived,
}


def fact_id(bucket: str, key: str, revision: int, change: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{bucket}/{key}/{revision}/{change}")


async def association_fact(publish: Publish, record: AssociationRecord, revision: int) -> None:
    change = record.last_change
    fact = _ASSOCIATION_FACTS[change](
        message_id=fact_id(ASSOCIATIONS, record.slug, revision, change),
        occurred_at=record.updated_at,
        association=record.public(),
    )
    await publish(subjects.association(record.slug, change), fact)


async def mission_fact(publish: Publish, mission: MissionRecord, revision: int) -> None:
    change = mission.last_change
    fact = _MISSION_FACTS[change](
        message_id=fact_id(MISSIONS, mission.id, revision, change),
        occurred_at=mission.updated_at,
        mission=mission.public(),
    )
    await publish(subjects.mission(mission.id, change), fact)


async def venue_fact(publish: Publish, venue: VenuePublic, revision: int, now: datetime) -> None:
    change = VenueChange.ARCHIVED if venue.archived else VenueChange.UPSERTED
    fact = _VENUE_FACTS[change](
        message_id=fact_id(VENUES, venue.id, revision, change), occurred_at=now, venue=venue
    )
    await publish(subjects.venue(venue.id, change), fact)
