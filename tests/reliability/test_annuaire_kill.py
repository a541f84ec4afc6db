"""kill -9 the annuaire twice during a burst of registrations and edits over HTTP.

The client behaves like a careful one: a request cut by the kill is sent again until it
gets an answer (a registration that had been saved then answers 409). Checked against
JetStream: every association in `annuaire_associations` with its last edit, one
`registered` fact per association and one `updated` fact per edit (no loss, no repeat).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import association_body
from tests.reliability.conftest import Scenario
from tests.reliability.streams import eventually, kv_values, read_stream
from tests.support.services import ServiceProcess, StartService
from vieasso.annuaire.domain.rules import make_slug

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]

REGISTRATIONS = 1000
EDITS = 500
KILL_AT = (300, 1000)  # answered requests after which the annuaire is killed (-9)
CONCURRENCY = 16


class Burst:
    """Sends requests, retrying those the kill cut off, and counts what it saw."""

    def __init__(self, url: str, admin: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {admin}"}
        self.answered = 0
        self.retries = 0
        self.answers: Counter[int] = Counter()

    async def send(self, http: httpx.AsyncClient, method: str, path: str, body: Any) -> int:
        while True:
            try:
                response = await http.request(
                    method, self.url + path, json=body, headers=self.headers
                )
            except httpx.TransportError:
                self.retries += 1
                await asyncio.sleep(0.1)
                continue
            if response.status_code == 503:  # reconnecting to NATS after the restart
                self.retries += 1
                await asyncio.sleep(0.1)
                continue
            self.answered += 1
            self.answers[response.status_code] += 1
            return response.status_code


class Killer:
    """kill -9 the annuaire each time the burst reaches the next of `KILL_AT` answers."""

    def __init__(self, first: ServiceProcess, start: StartService, admin: str) -> None:
        self.current, self.start, self.admin = first, start, admin
        self.kills = 0
        self.recovered = 0.0

    async def run(self, burst: Burst) -> None:
        while self.kills < len(KILL_AT):
            if burst.answered >= KILL_AT[self.kills]:
                self.current.process.kill()
                self.current = self.start(
                    "annuaire", admin_token=self.admin, port=self.current.port
                )
                self.kills += 1
                started = time.monotonic()
                await asyncio.to_thread(self.current.wait_healthy, 60)
                self.recovered = max(self.recovered, time.monotonic() - started)
            await asyncio.sleep(0.01)


async def check_facts(
    js: JetStreamContext, slugs: list[str], edits: dict[str, str]
) -> tuple[float, Counter[tuple[str, str]]]:
    """One `registered` fact per association, one `updated` per edit; returns the seconds
    they took to be all there and the count per (slug, change)."""

    async def all_announced() -> bool:
        facts = await read_stream(js, "ANNUAIRE", "annuaire.associations.>")
        return sum(s.endswith(".updated") and s.split(".")[2] in edits for s, _ in facts) >= EDITS

    settle = await eventually(all_announced, within=60, what="every fact")
    facts = await read_stream(js, "ANNUAIRE", "annuaire.associations.>")
    per_slug = Counter((s.split(".")[2], s.rsplit(".", 1)[1]) for s, _ in facts)
    for slug in slugs:
        assert per_slug[(slug, "registered")] == 1, slug
        assert per_slug[(slug, "updated")] == (1 if slug in edits else 0), slug
    return settle, per_slug


async def test_annuaire_killed_twice_mid_burst_keeps_every_answered_write_once(
    start_service: StartService, js: JetStreamContext, scenario: Scenario
) -> None:
    scenario.describe(
        name="kill -9 annuaire during registrations and edits",
        load=f"{REGISTRATIONS} registrations (POST /api/associations) and {EDITS} edits "
        f"(PATCH, admin) over HTTP, {CONCURRENCY} concurrent clients",
        faults=f"kill -9 of the annuaire after {KILL_AT[0]} and {KILL_AT[1]} answers, "
        "restarted at once on the same port; cut requests sent again by the client",
        inputs="valid registrations, one short_name edit on half of them",
        checked="every association in annuaire_associations with its last edit; one "
        "`registered` fact per association, one `updated` fact per edit; retried "
        "registrations answered 409, never stored twice; /healthz 200 again",
    )
    admin = secrets.token_urlsafe(24)
    annuaire = start_service("annuaire", admin_token=admin).wait_healthy(timeout=60)
    burst = Burst(annuaire.url, admin)
    tag = secrets.token_hex(3)
    bodies = [association_body(name=f"Fiabilité {tag} {i}") for i in range(REGISTRATIONS)]
    slugs = [make_slug(b["name"]) for b in bodies]
    edits = {slug: f"F{tag}{i}" for i, slug in enumerate(slugs[:EDITS])}
    killer = Killer(annuaire, start_service, admin)

    queue: asyncio.Queue[tuple[str, str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(("POST", "/api/associations", body))
    statuses: dict[str, list[int]] = {}

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            method, path, body = queue.get_nowait()
            status = await burst.send(http, method, path, body)
            statuses.setdefault(path, []).append(status)
            slug = make_slug(body["name"]) if method == "POST" else ""
            if method == "POST" and slug in edits:
                patch = {"short_name": edits[slug]}
                queue.put_nowait(("PATCH", f"/api/associations/{slug}", patch))

    dog = asyncio.create_task(killer.run(burst))
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(worker(http) for _ in range(CONCURRENCY)))
    await asyncio.wait_for(dog, timeout=90)
    assert killer.kills == len(KILL_AT)
    assert set(burst.answers) <= {200, 201, 409}, burst.answers
    assert burst.answers[201] + burst.answers[409] == REGISTRATIONS
    assert burst.answers[200] == EDITS

    stored = await kv_values(js, "annuaire_associations", "")
    mine = {slug: stored.get(slug) for slug in slugs}
    assert all(mine.values()), "an answered registration is missing"
    for slug, record in mine.items():
        assert record is not None
        assert record.get("short_name") == edits.get(slug), slug

    settle, per_slug = await check_facts(js, slugs, edits)
    scenario.figure("requests answered", burst.answered)
    scenario.figure("requests sent again after a cut", burst.retries)
    scenario.figure("registrations answered 409 on retry", burst.answers[409])
    scenario.figure("kills", killer.kills)
    scenario.figure("restart → /healthz 200 (s)", killer.recovered)
    scenario.figure(
        "facts checked", sum(per_slug[(s, c)] for s in slugs for c in ("registered", "updated"))
    )
    scenario.figure("last answer → facts complete (s)", settle)
