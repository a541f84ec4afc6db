"""Two replicas of every service on one nats-server answer every public GET route with the
same bytes and the same validators (issue 18, item 1): behind a load balancer a client that
revalidates gets its 304 whichever replica it reaches, and a restart changes nothing.

The routes come from each service's FastAPI app (tests/platform/replicas.py), so a route
added later is compared without touching this test; their parameters are filled with the
ids of the stored demo data (and an unknown id, for the 404 pages). The signed-in spaces are
compared too, with one session cookie opened in the KV bucket: either replica reads it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.annuaire.conftest import association_body
from tests.platform.platform_state import (
    PlatformRun,
    wait_until_agenda_idle,
    wait_until_stored_state_still,
)
from tests.platform.replicas import VARIANTS, Answer, Ids, compare, session_headers
from tests.support.nats_server import NatsServer
from tests.support.services import SERVICES, StartService
from tests.support.smtp import SmtpServer
from vieasso.common.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.nats, pytest.mark.slow, pytest.mark.timeout(900)]

REGISTRATIONS = 3  # the visitor's limit in the rate-limit test
HOMONYM = "salle-homonyme"
VENUE_FIELDS = (
    "name", "address", "postal_code", "city", "lat", "lon", "quartier", "capacity",
    "accessibility", "kind", "parent_id",
)  # fmt: skip


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(maildir=tmp_path / "mail").start()
    yield server
    server.stop()


def replica(url: str, workdir: Path, smtp: SmtpServer, like: PlatformRun | None) -> PlatformRun:
    """Every service, sharing the secrets of `like` (the other replica) when given."""
    if like is None:
        return PlatformRun(url, workdir, smtp)
    return PlatformRun(
        url, workdir, smtp, admin_token=like.admin_token, token_secret=like.token_secret
    )


def load_data(run: PlatformRun, nats_url: str) -> None:
    """Demo data, one digest, then edits through this replica of records loaded earlier (a
    replica that saw an edit live and one that loads it at start must agree on the order)."""
    run.cli("annuaire", "demo", "--count", "10", "--missions", "6", "--seed", "18")
    run.cli("agenda", "demo")
    run.cli("newsletter", "demo")
    run.cli("newsletter", "send-digest", timeout=180)
    wait_until_agenda_idle(nats_url)
    run.cli("ressources", "demo")
    run.cli("aides", "demo")
    run.cli("aides", "demo-aides-territoires")
    ids = Ids.load(nats_url)
    admin = {"Authorization": f"Bearer {run.admin_token}"}
    with httpx.Client(headers=admin, timeout=30) as client:
        first = ids.associations[0]
        edited = client.patch(
            f"{run.url('annuaire')}/api/associations/{first}",
            json={"name": "AAA première par le nom", "purpose": "Changée après coup."},
        )
        assert edited.status_code == 200, edited.text
        slug, mission = ids.missions[0]
        edited = client.patch(
            f"{run.url('annuaire')}/api/associations/{slug}/missions/{mission}",
            json={"title": "AAA première mission par le titre"},
        )
        assert edited.status_code == 200, edited.text
        (slug, hidden), (other, cancelled) = ids.events[0], ids.events[-1]
        edited = client.post(
            f"{run.url('agenda')}/api/events/{slug}/{hidden}/unpublish",
            json={"reason": "Hors du cadre de l'agenda."},
        )
        assert edited.status_code == 200, edited.text
        edited = client.delete(f"{run.url('agenda')}/api/associations/{other}/events/{cancelled}")
        assert edited.status_code == 202, edited.text
        # Two venues of one name, the older edited last: a replica that saw them live and
        # one loading them at start hold them in different orders (insertion vs revision).
        venues = f"{run.url('annuaire')}/api/venues"
        original = client.get(f"{venues}/{ids.venues[0]}").json()
        fields = {k: original[k] for k in VENUE_FIELDS if k in original}
        edited = client.put(f"{venues}/{HOMONYM}", json=fields)
        assert edited.status_code == 200, edited.text
        edited = client.put(f"{venues}/{ids.venues[0]}", json={**fields, "capacity": 321})
        assert edited.status_code == 200, edited.text
        # Two associations of one name with events: the agenda's association filter lists
        # both, whatever order a replica holds them in.
        twin = twin_association(client, run, ids.events[0][0])
        submitted = poll_post(
            f"{run.url('agenda')}/api/associations/{twin}/events",
            {"Authorization": f"Bearer {run.admin_token}"},
            {
                "event_id": "jumelle",
                "title": "Fête des jumelles",
                "start": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
                "end": (datetime.now(UTC) + timedelta(days=10, hours=2)).isoformat(),
                "place": {"name": "Salle", "address": "3 rue Battant", "postal_code": "25000"},
            },
        )
        assert submitted.status_code == 202, submitted.text
        model = ids.models[0]
        entry = client.get(f"{run.url('ressources')}/api/catalogue/materiel/{model}").json()
        changed = {k: v for k, v in entry.items() if k not in ("id", "updated_at")}
        edited = client.put(
            f"{run.url('ressources')}/api/catalogue/materiel/{model}",
            json={**changed, "name": f"AAA {entry['name']}"},
        )
        assert edited.status_code == 200, edited.text
    wait_until_agenda_idle(nats_url)
    # The last edits are applied after their answers (the agenda's submissions, the facts
    # the other services follow): compared before they all are, a route could change
    # between its answer and its revalidation, and the counts of the two rounds differ.
    wait_until_stored_state_still(nats_url)


def twin_association(client: httpx.Client, run: PlatformRun, slug: str) -> str:
    """A validated association with the name of association `slug`; its slug."""
    api = f"{run.url('annuaire')}/api/associations"
    name = client.get(f"{api}/{slug}").json()["name"]
    created = client.post(api, json=association_body(name=name))
    assert created.status_code == 201, created.text
    twin = str(created.json()["slug"])
    validated = client.post(f"{api}/{twin}/validate")
    assert validated.status_code == 200, validated.text
    return twin


def poll_post(url: str, headers: dict[str, str], body: dict[str, object]) -> httpx.Response:
    """POST until it is not refused as unknown (the agenda learns a new association from the
    directory's bucket a moment after it is validated), within a deadline."""
    deadline = time.monotonic() + 30
    while True:
        answer = httpx.post(url, json=body, headers=headers, timeout=30)
        if answer.status_code != 422 or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def revalidated(
    bases: tuple[str, str], answers: dict[str, Answer], headers: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Every answer of replica A that has an ETag, asked again of both replicas with
    `If-None-Match`: the answers both revalidated (304), and the paths where B did not answer
    as A (a 304 from A and not from B is the full 200 a revalidating reader gets behind a
    balancer)."""
    fresh: list[str] = []
    missed: list[str] = []
    with httpx.Client(timeout=30) as client:
        for key, answer in answers.items():
            if answer.status != 200 or answer.etag is None:
                continue
            variant, path = key.split(" ", 1)
            sent = {**headers, **VARIANTS[variant], "If-None-Match": answer.etag}
            statuses = [client.get(base + path, headers=sent).status_code for base in bases]
            if statuses == [304, 304]:
                fresh.append(key)
            if statuses[0] != statuses[1]:
                missed.append(f"{key}: {statuses[0]} from A, {statuses[1]} from B")
    return fresh, missed


def city_session_on_either(a: PlatformRun, b: PlatformRun) -> None:
    """Signed in through A's form, the city is signed in on B; signed out through B, it is
    signed out on A: a session lives in the KV bucket, not in the process that opened it."""
    space = "/espace-ville"
    with httpx.Client(timeout=30) as client:
        signed = client.post(f"{a.url('annuaire')}{space}/connexion", data={"token": a.admin_token})
        assert signed.status_code == 303, signed.text
        cookie = {"Cookie": signed.headers["set-cookie"].split(";", 1)[0]}
        assert client.get(f"{b.url('annuaire')}{space}", headers=cookie).status_code == 200
        assert client.get(f"{b.url('agenda')}{space}/evenements", headers=cookie).status_code == 200
        out = client.post(f"{b.url('annuaire')}{space}/deconnexion", headers=cookie)
        assert out.status_code == 303, out.text
        assert client.get(f"{a.url('annuaire')}{space}", headers=cookie).status_code != 200


@dataclass
class Round:
    """One comparison of two replicas: the answers compared, those both revalidated (304
    with A's ETag), the events the agenda's feed lists."""

    answers: int = 0
    revalidated: list[str] = field(default_factory=list)
    listed_events: int = 0


def compared(a: PlatformRun, b: PlatformRun, ids: Ids, headers: dict[str, str]) -> Round:
    """Compare A and B on every route of every service, then both with A's ETags."""
    done = Round()
    for name in SERVICES:
        answers, differing = compare((a.url(name), b.url(name)), ids.paths(name), headers)
        assert not differing, f"{name}: {len(differing)} differ\n" + "\n".join(differing[:15])
        fresh, missed = revalidated((a.url(name), b.url(name)), answers, headers)
        assert not missed, f"{name}: A's ETag, not the same answer from B\n" + "\n".join(missed)
        done.answers += len(answers)
        done.revalidated += fresh
        signed = {k: v.status for k, v in answers.items() if "token=" in k or "jeton=" in k}
        followed = [k for k in signed if "/preferences?" in k or "prets.ics?" in k]
        assert all(signed[k] == 200 for k in followed), signed  # the signed links work
        if name == "agenda":  # not vacuous: the feeds list the events
            feed = json.loads(answers["identity /feeds/agenda.jsonld"].body)
            done.listed_events = len(feed["itemListElement"])
    return done


def test_two_replicas_answer_every_public_route_alike_and_after_a_restart(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    nats_server = NatsServer(workdir=tmp_path / "nats").start()
    a = replica(nats_server.url, tmp_path / "a", smtp, None)
    b = replica(nats_server.url, tmp_path / "b", smtp, a)
    restarted = replica(nats_server.url, tmp_path / "b-again", smtp, a)
    try:
        a.start()
        b.start()
        load_data(a, nats_server.url)
        ids = Ids.load(nats_server.url).sign(a.admin_token, a.token_secret)
        settings = Settings(public_base_url=a.public_url, admin_token=a.admin_token)
        headers = session_headers(nats_server.url, ids, settings)

        first = compared(a, b, ids, headers)
        city_session_on_either(a, b)
        b.stop()
        restarted.start()  # loads everything from JetStream (the agenda: its snapshot)
        again = compared(a, restarted, ids, headers)
    finally:
        for run in (a, b, restarted):
            run.stop()
        nats_server.stop()

    assert first == again, {
        "304 before the restart only": sorted(set(first.revalidated) - set(again.revalidated)),
        "304 after the restart only": sorted(set(again.revalidated) - set(first.revalidated)),
    }
    assert first.listed_events > 0, first
    assert len(first.revalidated) > 40, first
    print(f"\n{first.answers} answers, {len(first.revalidated)} revalidated, twice")  # noqa: T201


def test_a_visitor_s_registration_limit_holds_across_two_replicas(
    tmp_path: Path, start_service: StartService
) -> None:
    """Behind a balancer a visitor's registrations reach either replica: the limit counts
    them together (in the KV bucket), not once per replica."""
    nats_server = NatsServer(workdir=tmp_path / "nats").start()
    env = {"VIEASSO_REGISTRATION_LIMIT_PER_IP": str(REGISTRATIONS)}
    replicas = [start_service("annuaire", nats_url=nats_server.url, env=env) for _ in range(2)]
    try:
        for svc in replicas:
            svc.wait_healthy(timeout=60)
        statuses = [
            httpx.post(
                f"{replicas[i % 2].url}/api/associations", json=association_body(), timeout=30
            ).status_code
            for i in range(REGISTRATIONS + 2)
        ]
    finally:
        for svc in replicas:
            svc.stop()
        nats_server.stop()
    assert statuses == [201] * REGISTRATIONS + [429, 429]
