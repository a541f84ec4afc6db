"""`vieasso-ressources demo`: about twenty models and five rooms on the directory's reference
venues; idempotent (a second run writes nothing and announces nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from tests.support.nats_server import NatsServer
from vieasso.common.directory import ASSOCIATIONS, VENUES
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.nats.kv import scan
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.loader import load_venues
from vieasso.ressources.adapters.catalogue import BUCKET
from vieasso.ressources.adapters.demo_catalogue import MODELS, ROOMS
from vieasso.ressources.adapters.demo_photos import DRAWINGS
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.loans import Loan
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
    assert asyncio.run(_photos(own_nats.url)) == {
        model_id: DRAWINGS[model_id][1] for model_id in DRAWINGS
    }


async def _photos(nats_url: str) -> dict[str, str]:
    """The demo models with a photo, and its description; each photo's files are stored."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        kv, store = await js.key_value(BUCKET), await js.object_store("ressources_images")
        found = {}
        for model in MODELS:
            entry = EquipmentModel.model_validate_json(
                (await kv.get(f"model.{model['id']}")).value or b""
            )
            if entry.photo is not None:
                found[entry.id] = entry.photo.alt
                assert (await store.get_info(f"{entry.photo.id}/960.webp")).size
        return found
    finally:
        await nc.close()


async def _seed_directory(nats_url: str, slugs: list[str]) -> None:
    """What `make run` has before the ressources' demo: the annuaire's reference venues and
    validated associations."""
    now = datetime.now(UTC)
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await provision(js, replicas=1)
        venues = await js.key_value(VENUES)
        for venue in load_venues():
            await venues.put(venue.id, venue.model_dump_json().encode())
        associations = await js.key_value(ASSOCIATIONS)
        for slug in slugs:
            record = AssociationPublic(
                slug=slug, name=f"Les Amis de {slug}", purpose="Animer le quartier.",
                state=AssociationState.VALIDATED, created_at=now, updated_at=now,
            )  # fmt: skip
            await associations.put(slug, record.model_dump_json().encode())
    finally:
        await nc.close()


async def _loans(nats_url: str) -> tuple[dict[str, str], int]:
    """Each stored loan's association → state, and the availability records."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        loans = {}
        async for entry in scan(await js.key_value("ressources_loans"), ">"):
            if entry.key.startswith("saison."):  # the season tallies
                continue
            loan = Loan.model_validate_json(entry.value or b"")
            loans[loan.association_slug] = loan.state.value
        records = [e async for e in scan(await js.key_value("ressources_availability"), ">")]
        return loans, len(records)
    finally:
        await nc.close()


def test_demo_adds_loans_at_each_step_of_the_workflow_once(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    slugs = [f"asso-demo-{i}" for i in range(6)]
    asyncio.run(_seed_directory(own_nats.url, slugs))

    first = CliRunner().invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Prêts de démonstration : 5 demandes." in first.output
    loans, records = asyncio.run(_loans(own_nats.url))
    assert sorted(loans.values()) == ["approved", "approved", "ready", "refused", "requested"]
    assert set(loans) == set(slugs[:5])  # the first five by slug
    assert records >= 3  # units held for the approved and prepared loans

    second = CliRunner().invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "Prêts de démonstration : déjà chargés." in second.output
    assert asyncio.run(_loans(own_nats.url)) == (loans, records)
