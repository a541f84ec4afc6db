"""The message contract (SPEC §3): every body that travels on NATS is one of these models."""

from vieasso.common.messages.agenda import (
    CanonicalEvent,
    EventCancelled,
    EventFact,
    EventPublished,
    EventRejected,
    EventSubmission,
    EventUpdated,
)
from vieasso.common.messages.annuaire import (
    AssociationArchived,
    AssociationFact,
    AssociationPublic,
    AssociationRegistered,
    AssociationUpdated,
    AssociationValidated,
    MissionClosed,
    MissionFact,
    MissionPublic,
    MissionPublished,
    MissionUpdated,
    VenueArchived,
    VenueFact,
    VenuePublic,
    VenueUpserted,
)
from vieasso.common.messages.base import FieldError, Message
from vieasso.common.messages.courrier import (
    CourrierFailed,
    CourrierRequest,
    CourrierSent,
    LetterChoice,
)
from vieasso.common.messages.deadletter import DeadLetter
from vieasso.common.messages.newsletter import EditionBuilt, EditionSent, SubscriberLeft
from vieasso.common.messages.screens import (
    AnnouncementApproved,
    AnnouncementFact,
    AnnouncementWithdrawn,
)

__all__ = [
    "AnnouncementApproved",
    "AnnouncementFact",
    "AnnouncementWithdrawn",
    "AssociationArchived",
    "AssociationFact",
    "AssociationPublic",
    "AssociationRegistered",
    "AssociationUpdated",
    "AssociationValidated",
    "CanonicalEvent",
    "CourrierFailed",
    "CourrierRequest",
    "CourrierSent",
    "DeadLetter",
    "EditionBuilt",
    "EditionSent",
    "EventCancelled",
    "EventFact",
    "EventPublished",
    "EventRejected",
    "EventSubmission",
    "EventUpdated",
    "FieldError",
    "LetterChoice",
    "Message",
    "MissionClosed",
    "MissionFact",
    "MissionPublic",
    "MissionPublished",
    "MissionUpdated",
    "SubscriberLeft",
    "VenueArchived",
    "VenueFact",
    "VenuePublic",
    "VenueUpserted",
]
