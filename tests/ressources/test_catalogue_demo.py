"""`vieasso-ressources demo`: about twenty models and five rooms on the directory's reference
venues; idempotent (a second run writes nothing and announces nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from tests.support.nats_server import NatsServer
from vieasso.common.directory import VENUES
from vieasso.common.nats.kv import scan
from vieasso.common.reference.loader import load_venues
from vieasso.ressources.adapters.catalogue import BUCKET
from vieasso.ressources.adapters.demo_catalogue import MODELS, ROOMS
from vieasso.ressources.entrypoints.cli import app

pytestmark = pytest.mark.nats


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "own-nats").start()
    yield server
    server.stop()


async def _state(nats_url: str, *, seed_venues: bool = False) -> tuple[dict[str, int], int]:
    """The catalogue's keys with their revisions, and the number of catalogue facts."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        if seed_venues:  # what the annuaire does at start
            kv = await js.key_value(VENUES)
            for venue in load_venues():
                await kv.put(venue.id, venue.model_dump_json().encode())
        entries = scan(await js.key_value(BUCKET), ">", meta_only=True)
        revisions = {e.key: e.revision or 0 async for e in entries}
        info = await js.stream_info("RESSOURCES", subjects_filter="ressources.catalogue.>")
        return revisions, sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


def test_demo_loads_the_catalogue_once_and_refuses_rooms_until_the_venues_exist(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    assert 18 <= len(MODELS) <= 25
    assert len(ROOMS) == 5

    early = CliRunner().invoke(app, ["demo"])
    assert early.exit_code == 1, early.output
    assert f"{len(MODELS)} fiches écrites, 0 déjà à jour, 5 refusées" in early.output
    assert "Lieu inconnu de l'annuaire : « kursaal-salle-proudhon »." in early.output
    revisions, facts = asyncio.run(_state(own_nats.url, seed_venues=True))
    assert len(revisions) == facts == len(MODELS)

    first = CliRunner().invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert f"5 fiches écrites, {len(MODELS)} déjà à jour." in first.output
    revisions, facts = asyncio.run(_state(own_nats.url))
    assert {k.split(".")[0] for k in revisions} == {"model", "room"}
    assert len(revisions) == facts == len(MODELS) + 5

    second = CliRunner().invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert f"0 fiches écrites, {len(MODELS) + 5} déjà à jour." in second.output
    assert asyncio.run(_state(own_nats.url)) == (revisions, facts)
