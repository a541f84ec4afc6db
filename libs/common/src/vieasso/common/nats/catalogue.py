"""Every stream and KV bucket of the platform (SPEC §2), with its owner.

"Saved" means acknowledged by JetStream: every server we configure sets
``sync_interval: always`` (see ``deploy/nats/``), streams use file storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from vieasso.common import subjects


class Service(StrEnum):
    ANNUAIRE = "annuaire"
    AGENDA = "agenda"
    NEWSLETTER = "newsletter"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    owner: Service | None
    description: str
    work_queue: bool = False
    max_age: timedelta | None = None
    duplicate_window: timedelta = timedelta(minutes=2)
    max_msg_size: int = 1024 * 1024


@dataclass(frozen=True)
class BucketSpec:
    name: str
    owner: Service
    description: str
    history: int = 1
    ttl: timedelta | None = None
    backed_up: bool = True  # False: left out of backups (restoring it would revive old state)


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("ANNUAIRE", ("annuaire.>",), Service.ANNUAIRE, "Directory facts."),
    StreamSpec(
        "AGENDA",
        ("agenda.>",),
        Service.AGENDA,
        "Inbound submissions, canonical event facts and rejections.",
    ),
    StreamSpec(
        "NEWSLETTER", ("newsletter.>",), Service.NEWSLETTER, "Digest facts (no personal data)."
    ),
    StreamSpec(
        "DEADLETTER",
        (subjects.DEADLETTER_ALL,),
        None,
        "Messages a service could not process, with the error.",
        max_age=timedelta(days=90),
    ),
    StreamSpec(
        "NEWSLETTER_DELIVERIES",
        (subjects.DELIVERIES_ALL,),
        Service.NEWSLETTER,
        "Work queue of digest deliveries (personal data; erased with the subscriber).",
        work_queue=True,
    ),
)

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec("annuaire_associations", Service.ANNUAIRE, "Association records by slug."),
    BucketSpec("annuaire_venues", Service.ANNUAIRE, "Venues by id."),
    BucketSpec("annuaire_missions", Service.ANNUAIRE, "Volunteer missions by id."),
    BucketSpec("annuaire_reference", Service.ANNUAIRE, "Themes and quartiers by code."),
    BucketSpec(
        "annuaire_identifiers",
        Service.ANNUAIRE,
        "RNA and SIREN numbers held by validated associations: `rna.<id>`, `siren.<id>` → slug.",
    ),
    BucketSpec(
        "annuaire_sessions",
        Service.ANNUAIRE,
        "Sign-in sessions by sha256 of their id (vieasso.common.web.session_store).",
        ttl=timedelta(days=7),  # the longest session; each record has its own shorter TTL
        backed_up=False,  # a restore must not bring back sessions signed out since
    ),
    BucketSpec("agenda_events", Service.AGENDA, "Canonical events by `<slug>.<event_id>`."),
    BucketSpec("newsletter_subscribers", Service.NEWSLETTER, "Subscribers and their consent."),
    BucketSpec(
        "newsletter_deliveries",
        Service.NEWSLETTER,
        "Delivery ledger by `<edition_id>.<subscriber_id>`.",
        ttl=timedelta(days=120),
    ),
    BucketSpec(
        "newsletter_editions",
        Service.NEWSLETTER,
        "Digest editions: `edition.<id>` record, `content.<id>` items, `last.<frequency>`.",
    ),
)


def stream_for(subject: str) -> str:
    """Name of the stream that stores `subject` (raises if none does)."""
    for spec in STREAMS:
        for pattern in spec.subjects:
            if _matches(pattern, subject):
                return spec.name
    raise LookupError(f"no stream stores subject {subject!r}")


def _matches(pattern: str, subject: str) -> bool:
    pat, sub = pattern.split("."), subject.split(".")
    for i, part in enumerate(pat):
        if part == ">":
            return len(sub) > i
        if i >= len(sub) or part not in ("*", sub[i]):
            return False
    return len(pat) == len(sub)
