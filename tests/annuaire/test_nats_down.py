"""NATS unreachable: writes answer 503 in French (nothing half-saved), health turns 503."""

from __future__ import annotations

import pytest

from tests.annuaire.conftest import association_body, running_annuaire
from tests.support.nats_server import NatsServer

pytestmark = pytest.mark.nats


async def test_a_write_without_nats_answers_503_and_health_follows(own_nats: NatsServer) -> None:
    async with running_annuaire(own_nats.url, nats_publish_timeout=1.0) as annuaire:
        own_nats.stop()
        response = await annuaire.http.post("/api/associations", json=association_body())
        assert response.status_code == 503
        assert response.json()["detail"].startswith("Enregistrement momentanément impossible")
        assert (await annuaire.http.get("/healthz")).status_code == 503
        own_nats.start()
