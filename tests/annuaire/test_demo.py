"""`vieasso-annuaire demo`: deterministic, validated, idempotent."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from datetime import date

import nats
import pytest
from typer.testing import CliRunner

from tests.support.nats_server import NatsServer
from vieasso.annuaire.adapters import demo_data
from vieasso.annuaire.entrypoints.cli import app
from vieasso.annuaire.handlers.associations import hash_token
from vieasso.common.directory import ASSOCIATIONS, MISSIONS
from vieasso.common.nats.kv import scan
from vieasso.common.reference.loader import load_quartiers, load_themes

pytestmark = pytest.mark.nats
DEMO_TOKEN = re.compile(r"Jeton de démonstration de « .+? » \(([a-z0-9-]+)\) : (demo-\S+)")


def test_the_same_seed_gives_the_same_distinct_realistic_associations() -> None:
    first = demo_data.associations(300, seed=7)
    assert first == demo_data.associations(300, seed=7)
    assert first != demo_data.associations(300, seed=8)
    assert len({a.slug for a in first}) == 300
    themes = {t.code for t in load_themes()}
    quartiers = {q.code for q in load_quartiers()}
    for association in first:
        assert set(association.fields.themes) <= themes
        assert association.fields.quartier in quartiers
    assert any("é" in a.fields.name or "è" in a.fields.name for a in first)


def test_five_thousand_associations_can_be_generated() -> None:
    many = demo_data.associations(5000, seed=1)
    assert len({a.slug for a in many}) == 5000
    slugs = [a.slug for a in many[:1000]]
    missions = demo_data.missions(slugs, 4000, 1, date(2026, 3, 16))
    assert len({(slug, m.title) for slug, m in missions}) == 4000


async def _stored(nats_url: str, slugs: list[str]) -> tuple[list[dict[str, object]], int]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        kv = await js.key_value(ASSOCIATIONS)
        records = [json.loads((await kv.get(s)).value or b"") for s in slugs]
        missions = [e.key async for e in scan(await js.key_value(MISSIONS), ">", meta_only=True)]
        mine = [m for m in missions if any(m.startswith(s) for s in slugs)]
        return records, len(mine)
    finally:
        await nc.close()


def test_demo_loads_validated_associations_with_missions_and_is_idempotent(
    own_nats: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    nats_url = own_nats.url
    monkeypatch.setenv("VIEASSO_NATS_URL", nats_url)
    seed = 1000 + secrets.randbelow(10**6)
    args = ["demo", "--count", "12", "--missions", "8", "--seed", str(seed)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "12 associations validées" in first.output
    assert "8 missions publiées" in first.output
    slugs = [a.slug for a in demo_data.associations(12, seed)]
    records, missions = asyncio.run(_stored(nats_url, slugs))
    assert {r["state"] for r in records} == {"validated"}
    assert missions >= 8
    tokens = dict(DEMO_TOKEN.findall(first.output))
    assert len(tokens) == 2
    for record in records:
        expected = hash_token(tokens[record["slug"]]) if record["slug"] in tokens else None
        assert record.get("token_hash") == expected
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "0 créées, 0 mises à jour, 12 déjà à jour" in second.output
    assert "0 missions publiées, 8 déjà présentes" in second.output
    assert dict(DEMO_TOKEN.findall(second.output)) == tokens  # printed again, still valid
    assert asyncio.run(_stored(nats_url, slugs)) == (records, missions)
