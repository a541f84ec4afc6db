"""`vieasso-ressources demo` adds a dozen annonces of the directory's validated
associations once (a second run adds nothing)."""

from __future__ import annotations

import asyncio

import nats
import pytest
from typer.testing import CliRunner

from tests.ressources.test_catalogue_demo import _seed_directory, own_nats  # noqa: F401
from tests.support.nats_server import NatsServer
from vieasso.common.nats.kv import scan
from vieasso.ressources.adapters.annonces import BUCKET
from vieasso.ressources.domain.annonces import Annonce
from vieasso.ressources.entrypoints.cli import app

pytestmark = pytest.mark.nats


async def _annonces(nats_url: str) -> dict[str, Annonce]:
    nc = await nats.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        return {
            e.key: Annonce.model_validate_json(e.value or b"") async for e in scan(kv, "annonce.>")
        }
    finally:
        await nc.close()


def test_demo_adds_a_dozen_annonces_once(
    own_nats: NatsServer,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    slugs = [f"asso-entraide-{i}" for i in range(4)]
    asyncio.run(_seed_directory(own_nats.url, slugs))

    first = CliRunner().invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Annonces d'entraide de démonstration : 12." in first.output
    annonces = asyncio.run(_annonces(own_nats.url))
    assert len(annonces) == 12
    assert {a.association_slug for a in annonces.values()} == set(slugs)
    assert {a.kind.value for a in annonces.values()} >= {"materiel", "competence", "mecenat"}

    second = CliRunner().invoke(app, ["demo"])
    assert "Annonces d'entraide de démonstration : déjà chargées." in second.output
    assert asyncio.run(_annonces(own_nats.url)).keys() == annonces.keys()
