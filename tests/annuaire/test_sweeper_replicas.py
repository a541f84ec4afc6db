"""Two replicas of the annuaire on one nats-server (issue 18): the expired-mission sweeper
runs in the one holding the lease `annuaire.missions`, so an expired mission is closed once
(one fact, one mail request) by one replica's sweeps; when that replica stops, the other
takes the sweeps over at once (the lease is released, not left to lapse)."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, mission_body, read_facts, running_annuaire
from tests.support.courrier import requests_for
from tests.support.nats_server import NatsServer
from tests.support.polling import eventually
from vieasso.annuaire.handlers.missions import close_expired_missions
from vieasso.annuaire.handlers.unit import Annuaire

pytestmark = pytest.mark.nats

HANG = 15.0  # seconds; the lease lasts 60 s, so only its release explains a takeover sooner


async def _expired_mission(annuaire: Client) -> tuple[str, str]:
    """A validated association's mission ending in 5 days: (slug, mission id)."""
    slug, auth = await annuaire.validated()
    starts = annuaire.clock.now().date() + timedelta(days=4)
    ends = starts + timedelta(days=1)
    body = mission_body(starts_on=starts.isoformat(), ends_on=ends.isoformat())
    created = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=body, headers=auth
    )
    assert created.status_code == 201, created.text
    mission_id: str = created.json()["id"]
    return slug, mission_id


async def _closed_once(annuaire: Client, js: JetStreamContext, slug: str, mission: str) -> None:
    await eventually(
        lambda: annuaire.unit.index.mission(mission).state == "closed",  # type: ignore[union-attr]
        within=HANG,
        what="the mission closed",
    )
    facts = await read_facts(js, f"annuaire.missions.{mission}.closed", within=2.0)
    assert len(facts) == 1
    mails = await requests_for(js, "annuaire", slug, at_least=2)
    assert [r["key"] for r in mails if r["template"] == "mission-close"] == [
        f"mission-close.{mission}"
    ]


async def test_two_replicas_sweep_in_one_and_hand_over_at_a_clean_stop(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds: list[Annuaire] = []  # the replica (its unit) of every sweep round

    async def counted(unit: Annuaire) -> list[str]:
        rounds.append(unit)
        return await close_expired_missions(unit)

    monkeypatch.setattr("vieasso.annuaire.service.close_expired_missions", counted)
    options: dict[str, Any] = {"mission_sweep_seconds": 0.05, "lease_ttl_seconds": 60}
    nc = await nats.connect(own_nats.url)
    js = nc.jetstream()
    try:
        async with AsyncExitStack() as first_stack, AsyncExitStack() as second_stack:
            first = await first_stack.enter_async_context(running_annuaire(own_nats.url, **options))
            second = await second_stack.enter_async_context(
                running_annuaire(own_nats.url, **options)
            )
            await eventually(lambda: len(rounds) >= 10, within=HANG, what="sweep rounds")
            holder, other = (first, second) if rounds[0] is first.unit else (second, first)
            stack = first_stack if holder is first else second_stack
            assert {id(unit) for unit in rounds} == {id(holder.unit)}

            slug, mission = await _expired_mission(other)
            for replica in (first, second):
                replica.clock.advance(timedelta(days=6))
            await _closed_once(other, js, slug, mission)

            await stack.aclose()  # a rolling restart stops the holder cleanly
            rounds.clear()
            await eventually(lambda: bool(rounds), within=HANG, what="the other sweeps")
            assert {id(unit) for unit in rounds} == {id(other.unit)}
            slug, mission = await _expired_mission(other)
            other.clock.advance(timedelta(days=6))
            await _closed_once(other, js, slug, mission)
    finally:
        await nc.close()
