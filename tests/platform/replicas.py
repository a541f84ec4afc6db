"""Every public GET route of a service, filled with ids from the stored state, fetched from
two replicas and compared byte for byte and header for header (issue 18: two replicas).

- `get_routes(name)` — the path templates the service's FastAPI app answers GET on (from the
  app itself, so a route added later is covered), minus `UNCOMPARED` (each with its reason).
- `Ids.load(nats_url)` — ids of the stored records (associations, events, missions…), read
  from the KV buckets; `Ids.paths(name)` fills every route's parameters with them (a route
  whose parameters it cannot fill fails the test: say here how to fill them).
- `answer(client, url, headers)` — status, every header but `Date` and `Server`, body.
- `compare(...)` — the paths whose answers differ between two replicas, waiting (with a
  deadline) for a replica that has not yet seen the last writes.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from tests.support.services import build_app, leaves
from vieasso.agenda.adapters.feedcache import FeedKind
from vieasso.common.clock import SystemClock
from vieasso.common.images.store import MANIFEST
from vieasso.common.messages.courrier import Template
from vieasso.common.nats.kv import scan
from vieasso.common.settings import Settings
from vieasso.common.web import Kind, cookie_name
from vieasso.common.web.session_store import SessionStore, credential_of, token_hash
from vieasso.newsletter.domain import tokens
from vieasso.newsletter.domain.tokens import Purpose
from vieasso.ressources.domain.feeds_key import feed_key

# Headers that may differ between two answers of one process too (every other is compared,
# so that a header added later is covered).
UNCOMPARED_HEADERS = frozenset({"date", "server"})

# Routes left out, with the reason (everything else GET-able is compared).
UNCOMPARED: dict[str, str] = {}

# Per-request values that differ between two requests to ONE replica too, by design: masked.
NONCES: dict[bytes, str] = {
    # A new event's form carries a random ref, so that sending it twice updates one event.
    rb'name="ref" value="[0-9a-f]{6}"': "a new event's form: its idempotency ref",
}
_NONCE = re.compile(b"|".join(NONCES))

# Filtered variants of some routes (their filters choose and order differently).
QUERIES: dict[str, tuple[str, ...]] = {
    "annuaire": (
        "/api/associations?theme=culture",
        "/api/associations?q=club",
        "/associations?quartier=planoise",
        "/api/missions?theme=solidarite",
        "/missions?remote=possible",
    ),
    "newsletter": (
        "/preferences?token={manage}",
        "/desabonnement?token={unsubscribe}",
        "/donnees?token={manage}",
        "/api/subscriptions/me?token={manage}",
        "/donnees/effacer?token={manage}",
    ),
    "ressources": ("/feeds/associations/{slug}/prets.ics?jeton={jeton}",),
    "agenda": (
        "/feeds/agenda.{ext}?association={slug}",
        "/feeds/agenda.{ext}?theme=culture&audience=familles",
        "/agenda?association={slug}",
        "/agenda?theme=sport",
    ),
}

UNKNOWN = "inconnu-0000"  # an id no record has: the 404 pages are compared too
PARAMETER = re.compile(r"{(\w+)}")


def get_routes(name: str) -> list[str]:
    """Path templates of service `name` that answer GET, sorted."""
    paths = set()
    for route in leaves(build_app(name).routes):
        methods = getattr(route, "methods", None) or set()
        path = getattr(route, "path", "")
        if "GET" in methods and path not in UNCOMPARED:
            paths.add(path)
    return sorted(paths)


def _document(value: bytes) -> dict[str, object]:
    """A record's JSON object ({} for the few records that are not one)."""
    try:
        found = json.loads(value)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@dataclass
class Ids:
    """Ids of what is stored, by kind, to put in the routes' parameters."""

    associations: list[str] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)  # (slug, event_id)
    missions: list[tuple[str, str]] = field(default_factory=list)  # (slug, mission_id)
    venues: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    editions: list[str] = field(default_factory=list)
    token_hashes: dict[str, str] = field(default_factory=dict)  # slug → its token's hash
    subscribers: list[str] = field(default_factory=list)
    images: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # store → files
    screens: list[str] = field(default_factory=list)
    announcements: list[str] = field(default_factory=list)
    annonces: list[str] = field(default_factory=list)
    threads: list[tuple[str, str]] = field(default_factory=list)  # (annonce_id, replier)
    schemes: list[str] = field(default_factory=list)
    signed: dict[str, str] = field(default_factory=dict)  # signed links' tokens (`sign`)

    @classmethod
    def load(cls, nats_url: str) -> Ids:
        return asyncio.run(cls._load(nats_url))

    @classmethod
    async def _load(cls, nats_url: str) -> Ids:
        ids = cls()
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()

            async def records(bucket: str) -> list[tuple[str, dict[str, object]]]:
                kv = await js.key_value(bucket)
                found = [(e.key, e.value or b"") async for e in scan(kv, ">")]
                return [(key, _document(value)) for key, value in sorted(found)]

            for slug, record in await records("annuaire_associations"):
                ids.associations.append(slug)
                if record.get("state") == "validated" and record.get("token_hash"):
                    ids.token_hashes[slug] = str(record["token_hash"])
            for key, _ in await records("agenda_events"):
                slug, _, event_id = key.partition(".")
                ids.events.append((slug, event_id))
            for key, record in await records("annuaire_missions"):
                ids.missions.append((str(record["association_slug"]), key))
            ids.venues = [key for key, _ in await records("annuaire_venues")]
            for key, _ in await records("ressources_catalogue"):
                kind, _, entry_id = key.partition(".")
                (ids.models if kind == "model" else ids.rooms).append(entry_id)
            for key, _ in await records("newsletter_subscribers"):
                if key.startswith("s."):
                    ids.subscribers.append(key.removeprefix("s."))
            for key, _ in await records("newsletter_editions"):
                if key.startswith("edition."):
                    ids.editions.append(key.removeprefix("edition."))
            await ids._load_second_wave(js, records)
        finally:
            await nc.close()
        return ids

    async def _load_second_wave(
        self,
        js: JetStreamContext,
        records: Callable[[str], Awaitable[list[tuple[str, dict[str, object]]]]],
    ) -> None:
        for key, _ in await records("agenda_screens"):
            kind, _, screen_or_announcement = key.partition(".")
            found = self.screens if kind == "screen" else self.announcements
            found.append(screen_or_announcement)
        for key, _ in await records("ressources_annonces"):
            kind, _, rest = key.partition(".")
            if kind == "annonce":
                self.annonces.append(rest)
            elif kind == "fil":
                annonce_id, _, replier = rest.partition(".")
                self.threads.append((annonce_id, replier))
        self.schemes = [
            key.removeprefix("scheme.")
            for key, _ in await records("aides_schemes")
            if key.startswith("scheme.")  # not the awards (`award.<id>`)
        ]
        for store in ("agenda_images", "ressources_images"):
            self.images[store] = await _image_files(js, store)

    def _image_bindings(self, store: str) -> Iterator[dict[str, str]]:
        for image_id, variant in [*self.images.get(store, [])[:4], (UNKNOWN, "original")]:
            yield {"image_id": image_id, "variant": variant}

    def sign(self, admin_token: str, token_secret: str) -> Ids:
        """The tokens of the signed links people follow: a subscriber's preferences and
        unsubscription, the signed-in association's private loans calendar."""
        subscriber = self.subscribers[0]
        secret = token_secret.encode()
        later = datetime.now(UTC) + timedelta(days=1)
        fingerprint = credential_of(self.token_hashes[self.signed_in])
        self.signed = {
            "manage": tokens.sign(secret, Purpose.MANAGE, subscriber, later),
            "unsubscribe": tokens.sign(secret, Purpose.UNSUBSCRIBE, subscriber, None),
            "jeton": feed_key(admin_token, self.signed_in, fingerprint),
        }
        return self

    @property
    def signed_in(self) -> str:
        """The association whose space the comparison visits (one with events)."""
        with_events = [slug for slug, _ in self.events if slug in self.token_hashes]
        return with_events[0] if with_events else sorted(self.token_hashes)[0]

    def bindings(self, name: str, template: str) -> list[dict[str, str]]:
        """Every set of values for the parameters of `template` (service `name`)."""
        wanted = set(PARAMETER.findall(template))
        if not wanted:
            return [{}]
        options = [
            {key: b[key] for key in wanted}
            for b in self._candidates(name, template)
            if wanted <= set(b) and (set(b) == wanted or set(b) <= set(self.signed))
        ]
        if not options:
            raise AssertionError(
                f"{name} {template}: no ids for its parameters {sorted(wanted)}; say in "
                "tests/platform/replicas.py (Ids._candidates) which stored ids fill them"
            )
        return options

    def _candidates(self, name: str, template: str) -> Iterator[dict[str, str]]:
        mine = self.signed_in
        exts = [kind.value for kind in FeedKind]
        if "/venues/" in template:
            yield from ({"slug": venue} for venue in [*self.venues[:3], UNKNOWN])
        elif "/materiel/" in template or "/salles/" in template:
            kind_ids = self.models if "/materiel/" in template else self.rooms
            for entry in [*kind_ids[:3], UNKNOWN]:
                yield {"entry_id": entry}
                yield {"model_id" if "/materiel/" in template else "room_id": entry}
        elif template.startswith("/espace-association/evenements/"):
            yield from ({"event_id": e} for s, e in self.events if s == mine)
            yield {"event_id": UNKNOWN}
        elif template.startswith("/espace-association/missions/"):
            yield from ({"mission_id": m} for s, m in self.missions if s == mine)
            yield {"mission_id": UNKNOWN}
        for slug in [*self.associations[:3], mine, UNKNOWN]:
            yield {"slug": slug}
            yield from ({"slug": slug, "ext": ext} for ext in exts)
        for slug, event_id in [*self.events, (UNKNOWN, UNKNOWN)]:
            yield {"slug": slug, "event_id": event_id}
        for slug, mission_id in [*self.missions, (UNKNOWN, UNKNOWN)]:
            yield {"slug": slug, "mission_id": mission_id}
            yield {"mission_id": mission_id}
        yield from ({"ext": ext} for ext in exts)
        yield from ({"edition_id": e} for e in [*self.editions, UNKNOWN])
        yield from ({"name": template.value} for template in Template)
        yield {"name": UNKNOWN}
        yield {"token": UNKNOWN}
        yield from self._second_wave(template)
        if self.signed:
            yield {"slug": mine, "jeton": self.signed["jeton"]}
            yield {key: value for key, value in self.signed.items() if key != "jeton"}

    def _second_wave(self, template: str) -> Iterator[dict[str, str]]:
        """Posters and photos, screens, annonces, aid schemes."""
        photos = template.startswith("/materiel/images/")
        yield from self._image_bindings("ressources_images" if photos else "agenda_images")
        for screen_id in [*self.screens, UNKNOWN]:
            yield {"screen_id": screen_id}
            yield from ({"screen_id": screen_id, "ext": ext} for ext in ("json", "rss", "ics"))
        yield from ({"announcement_id": a} for a in [*self.announcements, UNKNOWN])
        yield from ({"annonce_id": a} for a in [*self.annonces[:4], UNKNOWN])
        for annonce_id, replier in [*self.threads[:2], (UNKNOWN, UNKNOWN)]:
            yield {"annonce_id": annonce_id, "replier": replier}
        yield from ({"scheme_id": scheme} for scheme in [*self.schemes[:4], UNKNOWN])

    def paths(self, name: str) -> list[str]:
        """Every concrete path compared for service `name` (duplicates removed)."""
        found: dict[str, None] = {}
        for template in [*get_routes(name), *QUERIES.get(name, ())]:
            for values in self.bindings(name, template):
                found[fill(template, values)] = None
        return list(found)


async def _image_files(js: JetStreamContext, store: str) -> list[tuple[str, str]]:
    """(image id, file name) of every file of an object store but the manifests."""
    try:
        infos = await (await js.object_store(store)).list()
    except NotFoundError:
        return []  # no image stored
    names = sorted(info.name.partition("/")[::2] for info in infos if info.name)
    return [(image_id, name) for image_id, name in names if name != MANIFEST]


async def _session_headers(nats_url: str, ids: Ids, settings: Settings) -> dict[str, str]:
    """Cookies of a browser signed in both as the city and as `ids.signed_in`: sessions live
    in the KV bucket, so either replica reads them."""
    nc = await nats.connect(nats_url)
    try:
        store = SessionStore(SystemClock())
        await store.open(nc.jetstream())
        slug = ids.signed_in
        association = await store.create(Kind.ASSOCIATION, ids.token_hashes[slug], slug)
        admin = token_hash(settings.admin_token.get_secret_value())
        city = await store.create(Kind.CITY, admin)
    finally:
        await nc.close()
    return {
        "Cookie": f"{cookie_name(Kind.ASSOCIATION, settings)}={association}; "
        f"{cookie_name(Kind.CITY, settings)}={city}"
    }


def session_headers(nats_url: str, ids: Ids, settings: Settings) -> dict[str, str]:
    return asyncio.run(_session_headers(nats_url, ids, settings))


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with its `{parameters}` replaced by `values`."""
    return PARAMETER.sub(lambda match: values[match.group(1)], template)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def etag(self) -> str | None:
        return dict(self.headers).get("etag")

    def describe(self) -> str:
        return f"{self.status} {dict(self.headers)} {len(self.body)} bytes"


def answer(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> Answer:
    response = client.get(url, headers=headers or {})
    kept = tuple(
        sorted(
            (name.lower(), value)
            for name, value in response.headers.multi_items()
            if name.lower() not in UNCOMPARED_HEADERS
        )
    )
    return Answer(response.status_code, kept, _NONCE.sub(b"<nonce>", response.content))


def first_difference(left: bytes, right: bytes) -> str:
    """Where two bodies part, with a little context."""
    at = next((i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), None)
    if at is None:
        at = min(len(left), len(right))
    start = max(at - 80, 0)
    return f"at byte {at}: {left[start : at + 80]!r}\n   vs {right[start : at + 80]!r}"


VARIANTS: dict[str, dict[str, str]] = {
    "identity": {"Accept-Encoding": "identity"},
    "gzip": {"Accept-Encoding": "gzip"},
}


def compare(
    bases: tuple[str, str],
    paths: Iterable[str],
    headers: dict[str, str],
    *,
    patience: float = 60.0,
) -> tuple[dict[str, Answer], list[str]]:
    """Fetch every path (identity and gzip) from both `bases`; returns replica A's answers by
    "variant path" and one line per path still different once `patience` seconds have passed
    (a replica may not have seen the last write yet: a path that differs is fetched again)."""
    deadline = time.monotonic() + patience
    answers: dict[str, Answer] = {}
    differing: list[str] = []
    with httpx.Client(timeout=30) as client:
        for path in paths:
            for variant, extra in VARIANTS.items():
                sent = {**headers, **extra}
                while True:
                    left = answer(client, bases[0] + path, sent)
                    right = answer(client, bases[1] + path, sent)
                    if left == right or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                answers[f"{variant} {path}"] = left
                if left != right:
                    differing.append(_difference(f"{variant} {path}", left, right))
    return answers, differing


def _difference(what: str, left: Answer, right: Answer) -> str:
    if (left.status, left.headers) != (right.status, right.headers):
        return f"{what}:\n   {left.describe()}\n   {right.describe()}"
    return f"{what}: body differs {first_difference(left.body, right.body)}"
