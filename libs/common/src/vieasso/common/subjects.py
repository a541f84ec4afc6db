"""NATS subjects of the public contract (SPEC §3, v1). Build subjects only through these."""

from __future__ import annotations

import re
from enum import StrEnum

_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _token(value: str) -> str:
    """A subject token must not contain dots, wildcards or whitespace."""
    if not _TOKEN.fullmatch(value):  # fullmatch: `$` would let a trailing "\n" through
        raise ValueError(f"not a safe NATS subject token: {value!r}")
    return value


class AssociationChange(StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    VALIDATED = "validated"
    ARCHIVED = "archived"


class MissionChange(StrEnum):
    PUBLISHED = "published"
    UPDATED = "updated"
    CLOSED = "closed"


class VenueChange(StrEnum):
    UPSERTED = "upserted"
    ARCHIVED = "archived"


class EventChange(StrEnum):
    PUBLISHED = "published"
    UPDATED = "updated"
    CANCELLED = "cancelled"


class EditionChange(StrEnum):
    BUILT = "built"
    SENT = "sent"


class Departure(StrEnum):
    """How a subscriber stopped receiving the letter (facts replayed after a restore)."""

    UNSUBSCRIBED = "unsubscribed"
    SUSPENDED = "suspended"
    ERASED = "erased"


class LetterChange(StrEnum):
    """An association's choice about the associations' letter."""

    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class CatalogueChange(StrEnum):
    UPSERTED = "upserted"
    ARCHIVED = "archived"


class LoanChange(StrEnum):
    """A step of a loan in the city's workflow (``ressources.loans.<slug>.<change>``)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    READY = "ready"  # the city has prepared it; the association may come
    PICKED_UP = "picked_up"
    OVERDUE = "overdue"  # not returned after its last day
    RETURNED = "returned"
    CANCELLED = "cancelled"


class SchemeChange(StrEnum):
    """A change of an aid scheme (``aides.schemes.<scheme_id>.<change>``)."""

    PUBLISHED = "published"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"


class AnnouncementChange(StrEnum):
    """An announcement on one of the city's screens (``agenda.screens.<id>.announcements.*``)."""

    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


# Wildcards for subscribers.
ASSOCIATIONS_ALL = "annuaire.associations.>"
MISSIONS_ALL = "annuaire.missions.>"
VENUES_ALL = "annuaire.venues.>"
SUBMISSIONS_ALL = "agenda.submissions.*"
EVENTS_ALL = "agenda.events.>"
REJECTIONS_ALL = "agenda.rejections.*"
SCREENS_ALL = "agenda.screens.*.announcements.*"
EDITIONS_ALL = "newsletter.editions.>"
DEPARTURES_ALL = "newsletter.subscribers.*.*"
DEADLETTER_ALL = "deadletter.>"
DELIVERIES_ALL = "deliveries.newsletter.>"
COURRIER_REQUESTS_ALL = "courrier.requests.*"
COURRIER_OUTCOMES_ALL = ("courrier.sent.*", "courrier.failed.*")
LETTER_CHOICES_ALL = "newsletter.associations.*.*"
CATALOGUE_ALL = "ressources.catalogue.>"
LOANS_ALL = "ressources.loans.>"
SCHEMES_ALL = "aides.schemes.>"
ANNONCES_ALL = "ressources.annonces.>"


def association(slug: str, change: AssociationChange) -> str:
    return f"annuaire.associations.{_token(slug)}.{change.value}"


def mission(mission_id: str, change: MissionChange) -> str:
    return f"annuaire.missions.{_token(mission_id)}.{change.value}"


def venue(venue_id: str, change: VenueChange) -> str:
    return f"annuaire.venues.{_token(venue_id)}.{change.value}"


def submission(slug: str) -> str:
    return f"agenda.submissions.{_token(slug)}"


def event(slug: str, change: EventChange) -> str:
    return f"agenda.events.{_token(slug)}.{change.value}"


def rejection(slug: str) -> str:
    return f"agenda.rejections.{_token(slug)}"


def screen_announcement(screen_id: str, change: AnnouncementChange) -> str:
    return f"agenda.screens.{_token(screen_id)}.announcements.{change.value}"


def edition(edition_id: str, change: EditionChange) -> str:
    return f"newsletter.editions.{_token(edition_id)}.{change.value}"


def departure(subscriber_id: str, change: Departure) -> str:
    """A subscriber's departure: its random id only, never an address."""
    return f"newsletter.subscribers.{_token(subscriber_id)}.{change.value}"


def delivery(edition_id: str) -> str:
    """Work queue of one edition's deliveries (personal data: not on the NEWSLETTER stream)."""
    return f"deliveries.newsletter.{_token(edition_id)}"


def courrier_request(service: str) -> str:
    """Work queue of the mails `service` asks the newsletter to send (SPEC §8)."""
    return f"courrier.requests.{_token(service)}"


def courrier_outcome(service: str, sent: bool) -> str:
    """``courrier.sent.<service>`` or ``courrier.failed.<service>``: a request's outcome."""
    return f"courrier.{'sent' if sent else 'failed'}.{_token(service)}"


def letter_choice(slug: str, change: LetterChange) -> str:
    """An association's choice about the associations' letter (a consent, no address)."""
    return f"newsletter.associations.{_token(slug)}.{change.value}"


def letter_choices_of(slug: str) -> str:
    """Every choice of association `slug` about the associations' letter (its last is the
    current one)."""
    return f"newsletter.associations.{_token(slug)}.*"


def catalogue_entry(entry_id: str, change: CatalogueChange) -> str:
    """A model of equipment or a room of the city's lending catalogue."""
    return f"ressources.catalogue.{_token(entry_id)}.{change.value}"


def loan(slug: str, change: LoanChange) -> str:
    """A step of one of association `slug`'s loans (no personal data)."""
    return f"ressources.loans.{_token(slug)}.{change.value}"


def scheme(scheme_id: str, change: SchemeChange) -> str:
    """An aid scheme of the city or synced from another funder (no personal data)."""
    return f"aides.schemes.{_token(scheme_id)}.{change.value}"


def annonce(slug: str, change: str) -> str:
    """A change of one of association `slug`'s annonces (`AnnonceChange`), or ``letter``:
    its choice about matching annonces in the associations' letter."""
    return f"ressources.annonces.{_token(slug)}.{_token(change)}"


def deadletter(service: str, original_subject: str) -> str:
    return f"deadletter.{_token(service)}.{original_subject}"


def slug_of(subject: str, position: int = 2) -> str:
    """The token at `position` of a subject (``agenda.submissions.<slug>`` → slug)."""
    parts = subject.split(".")
    if len(parts) <= position:
        raise ValueError(f"subject {subject!r} has no token at position {position}")
    return parts[position]
