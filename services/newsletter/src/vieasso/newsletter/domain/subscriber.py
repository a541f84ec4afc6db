"""A subscriber, their consent and their preferences; the rules of their life cycle."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from vieasso.common.messages.base import Code
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.subjects import Departure


class Topic(StrEnum):
    ASSOCIATIONS = "associations"
    MISSIONS = "missions"
    EVENEMENTS = "evenements"


ALL_TOPICS: tuple[Topic, ...] = tuple(Topic)
REPLAYED_SUSPENSION = "hard bounce (replayed from the NEWSLETTER stream)"


class SubscriberState(StrEnum):
    PENDING = "pending"  # asked, not confirmed yet (double opt-in)
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    SUSPENDED = "suspended"  # hard bounce: the address does not receive mail


class Confirmation(StrEnum):
    """What a confirmation link can do for the subscriber it was mailed to."""

    CONFIRMS = "confirms"
    ALREADY_DONE = "already_done"  # active: nothing to do (a second click)
    OUTDATED = "outdated"  # mailed before the person left (unsubscribed, suspended)


class OutdatedLink(ValueError):
    """A confirmation link mailed before the subscriber left: it brings nobody back."""


class Preferences(BaseModel):
    """What a person wants to read. Empty themes or quartiers mean « all of them »."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    themes: tuple[Code, ...] = Field(default=(), max_length=50)
    quartiers: tuple[Code, ...] = Field(default=(), max_length=50)
    topics: tuple[Topic, ...] = Field(default=ALL_TOPICS, min_length=1, max_length=3)
    frequency: Frequency = Frequency.HEBDOMADAIRE


class Consent(BaseModel):
    """Proof of consent (GDPR art. 7): when, from where, on which form, confirmed when."""

    model_config = ConfigDict(frozen=True)

    requested_at: AwareDatetime
    ip: str | None = None
    form_version: str
    confirmed_at: AwareDatetime | None = None


class Subscriber(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    email: EmailStr
    preferences: Preferences
    state: SubscriberState
    consent: Consent
    created_at: AwareDatetime
    updated_at: AwareDatetime
    unsubscribed_at: AwareDatetime | None = None
    suspended_at: AwareDatetime | None = None
    suspension_reason: str | None = None
    generation: int = Field(
        default=0, ge=0, description="Raised each time the person leaves; in confirm links."
    )

    @property
    def receives_digests(self) -> bool:
        return self.state is SubscriberState.ACTIVE

    def confirmation(self, generation: int) -> Confirmation:
        """What the confirmation link mailed at `generation` does now. Only a link mailed
        since the person last left confirms: an old link (in a mailbox, a scanner's cache,
        a restored backup's mail) never brings back someone who unsubscribed or bounced."""
        if self.state is SubscriberState.ACTIVE:
            return Confirmation.ALREADY_DONE
        if self.state is SubscriberState.PENDING and generation == self.generation:
            return Confirmation.CONFIRMS
        return Confirmation.OUTDATED

    def confirmed(self, at: datetime, generation: int) -> Subscriber:
        verdict = self.confirmation(generation)
        if verdict is Confirmation.ALREADY_DONE:
            return self
        if verdict is Confirmation.OUTDATED:
            raise OutdatedLink(self.id)
        consent = self.consent.model_copy(update={"confirmed_at": at})
        return self.model_copy(
            update={"state": SubscriberState.ACTIVE, "consent": consent, "updated_at": at}
        )

    def unsubscribed(self, at: datetime) -> Subscriber:
        if self.state is SubscriberState.UNSUBSCRIBED:
            return self
        return self.model_copy(
            update={
                "state": SubscriberState.UNSUBSCRIBED,
                "unsubscribed_at": at,
                "updated_at": at,
                "generation": self.generation + 1,
            }
        )

    def suspended(self, at: datetime, reason: str) -> Subscriber:
        return self.model_copy(
            update={
                "state": SubscriberState.SUSPENDED,
                "suspended_at": at,
                "suspension_reason": reason[:300],
                "updated_at": at,
                "generation": self.generation + 1,
            }
        )

    def departed(self, departure: Departure, generation: int, at: datetime) -> Subscriber:
        """A departure recorded at `generation` (a `SubscriberLeft` fact) applied to this
        record if it is older than that departure (a record restored from a backup, or a
        change interrupted after its fact); unchanged otherwise. Erasures are the store's."""
        if self.generation >= generation or departure is Departure.ERASED:
            return self
        left = (
            self.unsubscribed(at)
            if departure is Departure.UNSUBSCRIBED
            else self.suspended(at, REPLAYED_SUSPENSION)
        )
        return left.model_copy(update={"generation": generation})

    def with_preferences(self, preferences: Preferences, at: datetime) -> Subscriber:
        return self.model_copy(update={"preferences": preferences, "updated_at": at})

    def asked_again(
        self, preferences: Preferences, consent: Consent, at: datetime, resend_after: timedelta
    ) -> Subscriber:
        """A new request on the form: a new consent to confirm, unless already active or the
        last confirmation mail left less than `resend_after` ago (each request that mails
        renews the consent): one mail per address per period, whoever asks and from
        wherever, so nobody can flood someone else's mailbox from the city's domain."""
        if self.state is SubscriberState.ACTIVE or at - self.consent.requested_at < resend_after:
            return self
        return self.model_copy(
            update={
                "preferences": preferences,
                "consent": consent,
                "state": SubscriberState.PENDING,
                "updated_at": at,
            }
        )


def new_subscriber_id() -> str:
    """Random, unguessable, and not derived from the address."""
    return secrets.token_hex(12)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    """Key of the address index (dedup); the address itself is never a key."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()
