"""`vieasso-aides demo`: about fifteen published city schemes of every kind, loaded through
the city's use case, and two demo associations following their most urgent matched aids;
idempotent (a second run writes nothing and announces nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from tests.support.nats_server import NatsServer
from vieasso.aides.adapters.demo_schemes import SCHEMES
from vieasso.aides.domain.follows import AssociationFile
from vieasso.aides.domain.schemes import AidKind, AidScheme, SchemeState
from vieasso.aides.entrypoints.cli import app
from vieasso.aides.handlers.schemes import BUCKET
from vieasso.aides.service import FOLLOWS
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.nats.kv import scan
from vieasso.common.nats.provisioning import provision
from vieasso.common.reference.loader import load_quartiers, load_themes

pytestmark = pytest.mark.nats


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "own-nats").start()
    yield server
    server.stop()


async def _state(nats_url: str) -> tuple[dict[str, AidScheme], dict[str, int], int]:
    """The schemes, the revisions of every scheme and follow record, the scheme facts."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        schemes, revisions = {}, {}
        async for entry in scan(await js.key_value(BUCKET), ">"):
            schemes[entry.key] = AidScheme.model_validate_json(entry.value or b"")
            revisions[entry.key] = entry.revision or 0
        async for entry in scan(await js.key_value(FOLLOWS), ">"):
            revisions[entry.key] = entry.revision or 0
        info = await js.stream_info("AIDES", subjects_filter="aides.schemes.>")
        return schemes, revisions, sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


async def _files(nats_url: str) -> list[AssociationFile]:
    nc = await nats.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(FOLLOWS)
        return [AssociationFile.model_validate_json(e.value or b"") async for e in scan(kv, ">")]
    finally:
        await nc.close()


async def _seed_associations(nats_url: str) -> list[str]:
    """Three associations as the annuaire's demo writes them (one not validated yet)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await provision(js, 1)
        kv = await js.key_value(ASSOCIATIONS)
        now = datetime(2026, 1, 5, tzinfo=UTC)
        slugs = ["amis-de-velotte", "chorale-de-battant", "club-de-planoise"]
        for slug, state in zip(slugs, ("validated", "validated", "pending"), strict=True):
            record = AssociationPublic(
                slug=slug, name=slug, purpose="Démonstration.", themes=("culture", "sport"),
                state=AssociationState(state), created_at=now, updated_at=now,
            )  # fmt: skip
            await kv.put(slug, record.model_dump_json().encode())
        return slugs
    finally:
        await nc.close()


def test_demo_loads_the_city_schemes_once(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    slugs = asyncio.run(_seed_associations(own_nats.url))
    first = CliRunner().invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert f"{len(SCHEMES)} écrits, 0 déjà à jour." in first.output
    schemes, revisions, facts = asyncio.run(_state(own_nats.url))
    assert 14 <= len(schemes) <= 18
    assert all(s.state is SchemeState.PUBLISHED for s in schemes.values())
    assert {k for s in schemes.values() for k in s.kinds} == set(AidKind)
    assert "scheme.fonds-participation-habitants" in schemes
    themes = {t.code for t in load_themes()}
    quartiers = {q.code for q in load_quartiers()}
    for scheme in schemes.values():  # the directory's reference codes, as matching needs
        assert set(scheme.themes) <= themes, scheme.id
        assert set(scheme.eligibility.quartiers) <= quartiers, scheme.id
    assert facts == len(schemes)  # one « published » each
    files = sorted(asyncio.run(_files(own_nats.url)), key=lambda f: f.slug)
    assert [f.slug for f in files] == slugs[:2]  # the validated ones
    assert all(f.answers.budget is not None and len(f.follows) == 2 for f in files)

    again = CliRunner().invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    assert f"0 écrits, {len(SCHEMES)} déjà à jour." in again.output
    assert asyncio.run(_state(own_nats.url))[1:] == (revisions, facts)
