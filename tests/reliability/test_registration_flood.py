"""Registration flood: one visitor sends many registrations through the real Caddy; after the
limit they are refused (429), nothing of a refused one is stored, other visitors are served."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import association_body
from tests.reliability.conftest import Scenario
from tests.reliability.streams import kv_values
from tests.support.caddy import CaddyProxy
from tests.support.services import StartService
from vieasso.annuaire.domain.rules import make_slug

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]

LIMIT = 5
FLOOD = 120
CONCURRENCY = 8
FLOODER, NEIGHBOUR = "127.0.0.2", "127.0.0.3"  # Caddy reaches the annuaire from 127.0.0.1


@pytest.fixture
def annuaire_behind_caddy(start_service: StartService, tmp_path: Path) -> Iterator[CaddyProxy]:
    env = {
        "VIEASSO_REGISTRATION_LIMIT_PER_IP": str(LIMIT),
        "VIEASSO_TRUSTED_PROXIES": "127.0.0.1/32",
    }
    annuaire = start_service("annuaire", env=env).wait_healthy(timeout=60)
    proxy = CaddyProxy(tmp_path / "caddy", {"annuaire": f"127.0.0.1:{annuaire.port}"})
    try:
        yield proxy.start()
    finally:
        proxy.stop()


def client_at(address: str, proxy: CaddyProxy) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(
        transport=transport, base_url=f"http://127.0.0.1:{proxy.port}", timeout=30
    )


async def test_a_registration_flood_from_one_visitor_is_cut_and_others_are_served(
    annuaire_behind_caddy: CaddyProxy, js: JetStreamContext, scenario: Scenario
) -> None:
    scenario.describe(
        name="registration flood from one visitor",
        load=f"{FLOOD} registrations (POST /api/associations) from one address through the real "
        f"Caddy, {CONCURRENCY} concurrent, each with a made-up X-Forwarded-For; 3 from another "
        "address meanwhile",
        faults="none: abuse only (limit set to "
        f"{LIMIT} per visitor per hour, VIEASSO_REGISTRATION_LIMIT_PER_IP)",
        inputs="valid registrations",
        checked="the flooder gets exactly the limit answered 201 and 429 with Retry-After for "
        "the rest (its X-Forwarded-For ignored); no record and no `registered` fact for a "
        "refused one; the other visitor's registrations all 201 and stored",
    )
    tag = secrets.token_hex(3)
    flood = [association_body(name=f"Crue {tag} {i}") for i in range(FLOOD)]
    calm = [association_body(name=f"Voisin {tag} {i}") for i in range(3)]
    answers: dict[str, int] = {}
    retry_after: set[str] = set()
    queue: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    for body in flood:
        queue.put_nowait(body)

    async def flooder(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            spoof = {"X-Forwarded-For": f"198.51.100.{secrets.randbelow(250) + 1}"}
            answer = await http.post("/api/associations", json=body, headers=spoof)
            answers[str(body["name"])] = answer.status_code
            if answer.status_code == 429:
                retry_after.add(answer.headers.get("Retry-After", ""))

    async def neighbour(http: httpx.AsyncClient) -> list[int]:
        statuses = []
        for body in calm:
            statuses.append((await http.post("/api/associations", json=body)).status_code)
        return statuses

    async with (
        client_at(FLOODER, annuaire_behind_caddy) as bad,
        client_at(NEIGHBOUR, annuaire_behind_caddy) as good,
    ):
        flooding = asyncio.gather(*(flooder(bad) for _ in range(CONCURRENCY)))
        served = await neighbour(good)
        await flooding

    counted = Counter(answers.values())
    assert counted == {201: LIMIT, 429: FLOOD - LIMIT}, counted
    assert "" not in retry_after
    assert all(1 <= int(seconds) <= 3600 for seconds in retry_after)
    assert served == [201, 201, 201]

    stored = await kv_values(js, "annuaire_associations", "")
    accepted = {make_slug(name) for name, status in answers.items() if status == 201}
    refused = {make_slug(name) for name, status in answers.items() if status == 429}
    assert accepted <= set(stored)
    assert not refused & set(stored), "a refused registration was stored"
    assert {make_slug(str(b["name"])) for b in calm} <= set(stored)
    info = await js.stream_info("ANNUAIRE", subjects_filter="annuaire.associations.*.registered")
    registered = {subject.split(".")[2] for subject in (info.state.subjects or {})}
    assert accepted <= registered
    assert not refused & registered, "a refused registration was announced"

    scenario.figure("registrations sent by the flooder", FLOOD)
    scenario.figure("answered 201", counted[201])
    scenario.figure("answered 429", counted[429])
    scenario.figure("other visitor's registrations served", served.count(201))
