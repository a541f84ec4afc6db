"""Newsletter facts (stream ``NEWSLETTER``): counts and random ids only, never an address."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Message, Slug
from vieasso.common.subjects import Departure

SUBSCRIBER_ID = r"^[a-z0-9]{1,64}$"
# A delivery's recipient: a subscriber's random id, or an association's slug (the
# associations' letter, whose recipients are associations; their contact's address is read
# from the directory at send time, never carried here).
RECIPIENT_ID = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Frequency(StrEnum):
    HEBDOMADAIRE = "hebdomadaire"
    MENSUELLE = "mensuelle"


class LetterAudience(StrEnum):
    """Who a letter is for: the residents who subscribed (the digest), or the validated
    associations (the associations' letter, SPEC §8)."""

    HABITANTS = "habitants"
    ASSOCIATIONS = "associations"


class EditionBuilt(Message):
    """A digest edition was built: what it covers and how many mails it will send."""

    edition_id: Slug
    frequency: Frequency
    audience: LetterAudience = LetterAudience.HABITANTS
    period_start: AwareDatetime
    period_end: AwareDatetime
    recipients: int = Field(ge=0)
    associations: int = Field(ge=0)
    missions: int = Field(ge=0)
    events: int = Field(ge=0)


class EditionSent(Message):
    """Every delivery of an edition reached a final state."""

    edition_id: Slug
    delivered: int = Field(ge=0)
    bounced: int = Field(ge=0)
    failed: int = Field(ge=0)
    skipped: int = Field(default=0, ge=0, description="Unsubscribed or erased meanwhile.")
    uncertain: int = Field(
        default=0, ge=0, description="Interrupted mid-transaction: not sent again (at most once)."
    )


class SubscriberLeft(Message):
    """``newsletter.subscribers.<id>.unsubscribed`` / ``.suspended`` / ``.erased``: a subscriber
    stopped receiving the letter. Published before the change is stored, kept on the stream
    and replayed at every start of the newsletter, so that a backup restored from before it
    (or a change interrupted by a crash) cannot bring the person back. Only the subscriber's
    random id: no address, and nothing left to link it to once the record is erased.
    """

    subscriber_id: str = Field(pattern=SUBSCRIBER_ID)
    departure: Departure
    generation: int = Field(
        default=0, ge=0, description="The record's generation once the person left."
    )


class Delivery(BaseModel):
    """One mail of an edition: who (an id, never an address) gets which items."""

    model_config = ConfigDict(frozen=True)

    subscriber_id: str = Field(
        max_length=80,
        pattern=RECIPIENT_ID,
        description=(
            "The recipient: a subscriber's random id, or an association's slug in an "
            "edition of the associations' letter."
        ),
    )
    items: tuple[int, ...] = Field(description="Indexes of the edition's items.")


class DeliveryBatch(Message):
    """Work queue ``deliveries.newsletter.<edition_id>``: up to a few dozen deliveries.

    Only recipient ids travel here (subscribers' random ids; associations' slugs in the
    associations' letter): senders read addresses from the subscribers bucket (or the
    directory's) at send time, so an erasure, an unsubscription or a new contact made
    meanwhile is respected.
    """

    edition_id: Slug
    deliveries: tuple[Delivery, ...] = Field(min_length=1, max_length=500)
