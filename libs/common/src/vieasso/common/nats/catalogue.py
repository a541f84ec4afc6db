"""Every stream and KV bucket of the platform (SPEC §2), with its owner.

"Saved" means acknowledged by JetStream: every server we configure sets
``sync_interval: always`` (see ``deploy/nats/``), streams use file storage.

Every stream and bucket has a size limit, so that none can fill the disk (docs/deploy.md,
"Limits"). Where the history is the product (facts, current state), a full stream or bucket
refuses new writes (``discard: new``): the publish fails, the service answers 503 and logs
it, nothing already saved is lost. Only the dead letters, kept for inspection, drop their
oldest entries instead, and the mail outcomes (receipts, not history) age out. Their sum
stays below every server's ``max_file_store`` and the account's ``max_file``
(tests/platform/test_limits.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from nats.js.api import DiscardPolicy

from vieasso.common import subjects

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class Service(StrEnum):
    ANNUAIRE = "annuaire"
    AGENDA = "agenda"
    NEWSLETTER = "newsletter"
    RESSOURCES = "ressources"
    AIDES = "aides"


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
    max_bytes: int = 256 * MIB
    discard: DiscardPolicy = DiscardPolicy.NEW


@dataclass(frozen=True)
class BucketSpec:
    name: str
    owner: Service
    description: str
    history: int = 1
    ttl: timedelta | None = None
    backed_up: bool = True  # False: left out of backups (restoring it would revive old state)
    # True: may hold email addresses (private contacts, subscribers), where erasure reaches
    # them. Every other bucket, and every stream, is public by contract: the leak scan
    # (tests/security/test_leak_scan.py) reads them all for addresses.
    personal_data: bool = False
    max_bytes: int = 64 * MIB
    max_value_size: int = 256 * KIB


def _leases(owner: Service, jobs: str) -> BucketSpec:
    """The bucket of `owner`'s leases, one key `<service>.<job>` per job (a few bytes)."""
    return BucketSpec(
        f"{owner.value}_leases",
        owner,
        f"Leases of the jobs run by one replica at a time, `{owner.value}.<job>` → its "
        f"holder, lapsing unless renewed (vieasso.common.nats.lease): {jobs}.",
        backed_up=False,  # who held a job at backup time means nothing after a restore
        max_bytes=2 * MIB,
        max_value_size=1 * KIB,
    )


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        "ANNUAIRE", ("annuaire.>",), Service.ANNUAIRE, "Directory facts.", max_bytes=1 * GIB
    ),
    StreamSpec(
        "AGENDA",
        ("agenda.>",),
        Service.AGENDA,
        "Inbound submissions, canonical event facts and rejections.",
        max_bytes=2 * GIB,
    ),
    StreamSpec(
        "NEWSLETTER",
        ("newsletter.>",),
        Service.NEWSLETTER,
        "Digest facts (no personal data).",
        max_bytes=256 * MIB,
    ),
    StreamSpec(
        "RESSOURCES",
        ("ressources.>",),
        Service.RESSOURCES,
        "Lending facts: catalogue entries and loans; offers and needs between associations "
        "(association slugs, never a person).",
        max_bytes=512 * MIB,
    ),
    StreamSpec(
        "AIDES",
        ("aides.>",),
        Service.AIDES,
        "Aid-scheme facts, the city's and the synced ones (no personal data).",
        max_bytes=256 * MIB,
    ),
    StreamSpec(
        "DEADLETTER",
        (subjects.DEADLETTER_ALL,),
        None,
        "Messages a service could not process, with the error.",
        max_age=timedelta(days=90),
        max_bytes=512 * MIB,
        discard=DiscardPolicy.OLD,
    ),
    StreamSpec(
        "NEWSLETTER_DELIVERIES",
        (subjects.DELIVERIES_ALL,),
        Service.NEWSLETTER,
        "Work queue of digest deliveries (personal data; erased with the subscriber).",
        work_queue=True,
        max_age=timedelta(days=30),
        max_bytes=1 * GIB,
    ),
    StreamSpec(
        "COURRIER",
        (subjects.COURRIER_REQUESTS_ALL,),
        Service.NEWSLETTER,
        "Work queue of mails any service asks the newsletter to send (no address in it).",
        work_queue=True,
        max_age=timedelta(days=30),
        max_msg_size=64 * KIB,
        max_bytes=256 * MIB,
    ),
    StreamSpec(
        "COURRIER_OUTCOMES",
        subjects.COURRIER_OUTCOMES_ALL,
        Service.NEWSLETTER,
        "Outcome of each mail request, by key (no address): receipts, kept 90 days.",
        max_age=timedelta(days=90),
        max_bytes=256 * MIB,
    ),
)

BUCKETS: tuple[BucketSpec, ...] = (
    BucketSpec(
        "annuaire_associations",
        Service.ANNUAIRE,
        "Association records by slug.",
        max_bytes=256 * MIB,
        personal_data=True,  # the private contact
    ),
    BucketSpec("annuaire_venues", Service.ANNUAIRE, "Venues by id."),
    BucketSpec(
        "annuaire_missions", Service.ANNUAIRE, "Volunteer missions by id.", max_bytes=256 * MIB
    ),
    BucketSpec(
        "annuaire_reference",
        Service.ANNUAIRE,
        "Themes and quartiers by code.",
        max_bytes=16 * MIB,
    ),
    BucketSpec(
        "agenda_events",
        Service.AGENDA,
        "Canonical events by `<slug>.<event_id>`.",
        max_bytes=1 * GIB,
    ),
    BucketSpec(
        "agenda_screens",
        Service.AGENDA,
        "The city's screens (`screen.<id>`) and the announcements associations ask for "
        "(`annonce.<id>`: event, screens, days, state, the city's reason).",
        max_bytes=64 * MIB,
    ),
    BucketSpec(
        "newsletter_subscribers",
        Service.NEWSLETTER,
        "Subscribers and their consent.",
        max_bytes=256 * MIB,
        personal_data=True,
    ),
    BucketSpec(
        "newsletter_requests",
        Service.NEWSLETTER,
        "Subscription requests taken and not yet handled, `req.<random>` → the address, "
        "preferences and consent: written before the answer, deleted once handled; a "
        "replica completes those another one left (killed) behind.",
        ttl=timedelta(days=1),
        backed_up=False,  # seconds-old requests: a restore must not mail anyone again
        personal_data=True,
        max_bytes=16 * MIB,
        max_value_size=16 * KIB,
    ),
    BucketSpec(
        "annuaire_identifiers",
        Service.ANNUAIRE,
        "RNA and SIREN numbers held by validated associations: `rna.<id>`, `siren.<id>` → slug.",
        max_bytes=16 * MIB,
    ),
    BucketSpec(
        "annuaire_sessions",
        Service.ANNUAIRE,
        "Sign-in sessions by sha256 of their id (vieasso.common.web.session_store).",
        ttl=timedelta(days=7),  # the longest session; each record has its own shorter TTL
        backed_up=False,  # a restore must not bring back sessions signed out since
    ),
    BucketSpec(
        "annuaire_signin_links",
        Service.ANNUAIRE,
        "One-time sign-in links by sha256 of their token (vieasso.annuaire.adapters.links).",
        ttl=timedelta(days=7),  # the welcome link's lifetime; each record has its own TTL
        backed_up=False,  # a restore must not make a used link usable again
        max_bytes=16 * MIB,
    ),
    BucketSpec(
        "annuaire_limits",
        Service.ANNUAIRE,
        "Rate limits' recent hits per client, by a hash of the limit and the client "
        "(vieasso.common.http.shared_limit): shared by every replica.",
        ttl=timedelta(days=1),  # the longest window; each record has the window as its TTL
        backed_up=False,  # counters, not history
        max_bytes=32 * MIB,
    ),
    BucketSpec(
        "newsletter_limits",
        Service.NEWSLETTER,
        "Rate limits' recent hits per client, by a hash of the limit and the client "
        "(vieasso.common.http.shared_limit): shared by every replica.",
        ttl=timedelta(days=1),
        backed_up=False,
        max_bytes=32 * MIB,
    ),
    BucketSpec(
        "newsletter_deliveries",
        Service.NEWSLETTER,
        "Delivery ledger by `<edition_id>.<subscriber_id>`.",
        ttl=timedelta(days=120),
        max_bytes=512 * MIB,
    ),
    BucketSpec(
        "newsletter_editions",
        Service.NEWSLETTER,
        "Digest editions: `edition.<id>` record, `content.<id>` items, `last.<frequency>`.",
        max_bytes=256 * MIB,
        max_value_size=1 * MIB,
    ),
    BucketSpec(
        "ressources_catalogue",
        Service.RESSOURCES,
        "What the city lends: `model.<id>` (equipment, with stock and rules), `room.<id>`, and "
        "`closed-days` (the city's own closed days).",
        max_bytes=64 * MIB,
    ),
    BucketSpec(
        "ressources_availability",
        Service.RESSOURCES,
        "Units granted per catalogue entry, `model.<id>` or `room.<id>` → the approved "
        "allocations, written by compare-and-set only (never more than the stock on any day).",
        max_bytes=256 * MIB,
        max_value_size=1 * MIB,
    ),
    BucketSpec(
        "ressources_loans",
        Service.RESSOURCES,
        "Loan requests by `<loan_id>`: lines, dates, state and its history (city's notes); "
        "`saison.<slug>.<season>`: the requests counted against the association's maximum.",
        max_bytes=512 * MIB,
    ),
    BucketSpec(
        "aides_schemes",
        Service.AIDES,
        "Aid schemes, the city's and those synced from Aides-territoires: `scheme.<scheme_id>`; "
        "the grants the city awarded (SCDL export): `award.<award_id>`.",
        max_bytes=128 * MIB,
    ),
    BucketSpec(
        "aides_follows",
        Service.AIDES,
        "Per association, `association.<slug>`: its answers to the matching questions, the "
        "schemes it follows and its secret calendar key.",
        max_bytes=64 * MIB,
    ),
    BucketSpec(
        "aides_sync",
        Service.AIDES,
        "State of the Aides-territoires sync: its cursor on `date_updated` and its last report.",
        max_bytes=16 * MIB,
        max_value_size=1 * MIB,
    ),
    BucketSpec(
        "ressources_annonces",
        Service.RESSOURCES,
        "Offers and needs between associations: `annonce.<id>`, `fil.<id>.<slug>` (the "
        "messages of one association with the author), `lettre.<slug>` (matching annonces "
        "in the letter), `suspendu.<slug>` (replies suspended by the city).",
        max_bytes=256 * MIB,
    ),
    BucketSpec(
        "newsletter_courrier",
        Service.NEWSLETTER,
        "Mail to associations: `undeliverable.<slug>` (the contact's server refused it for "
        "good; a keyed hash of that address, never the address).",
        max_bytes=16 * MIB,
        max_value_size=16 * KIB,
    ),
    _leases(Service.ANNUAIRE, "`annuaire.missions` (closing expired missions)"),
    _leases(
        Service.RESSOURCES,
        "`ressources.sweeper` (overdue loans, units left held), `ressources.mails` (lending "
        "mails), `ressources.annonces` (closing expired annonces)",
    ),
    _leases(
        Service.AIDES,
        "`aides.sync` (the Aides-territoires sync), `aides.alerts` (deadline alert mails)",
    ),
    _leases(
        Service.NEWSLETTER,
        "`newsletter.digest` and `newsletter.letter` (the schedules of the editions), "
        "`newsletter.requests` (subscription requests left behind)",
    ),
)


@dataclass(frozen=True)
class ObjectStoreSpec:
    """A JetStream object store (its stream is `OBJ_<name>`): files too large for a KV value."""

    name: str
    owner: Service
    description: str
    max_bytes: int = 1 * GIB

    @property
    def stream(self) -> str:
        return f"OBJ_{self.name}"


OBJECT_STORES: tuple[ObjectStoreSpec, ...] = (
    ObjectStoreSpec(
        "agenda_images",
        Service.AGENDA,
        "Posters of events: `<id>/original` (metadata stripped), `<id>/<width>.webp|jpg`, "
        "`<id>/manifest.json` (vieasso.common.images).",
        max_bytes=2 * GIB,
    ),
    ObjectStoreSpec(
        "ressources_images",
        Service.RESSOURCES,
        "Photos of the equipment models and rooms, same layout as `agenda_images` "
        "(vieasso.common.images).",
        max_bytes=512 * MIB,
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
