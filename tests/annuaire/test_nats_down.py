"""NATS unreachable: writes answer 503 in French (nothing half-saved), health turns 503."""

from __future__ import annotations

import pytest

from tests.annuaire.conftest import association_body, running_annuaire
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page

pytestmark = pytest.mark.nats


async def test_a_write_without_nats_answers_503_and_health_follows(own_nats: NatsServer) -> None:
    async with running_annuaire(own_nats.url, nats_publish_timeout=1.0) as annuaire:
        own_nats.stop()
        response = await annuaire.http.post("/api/associations", json=association_body())
        assert response.status_code == 503
        assert response.json()["detail"].startswith("Enregistrement momentanément impossible")
        assert (await annuaire.http.get("/healthz")).status_code == 503
        own_nats.start()


async def test_a_signed_in_page_without_nats_answers_503_not_500(own_nats: NatsServer) -> None:
    """The session is read from NATS on every signed-in page: unreachable, a French 503."""
    async with running_annuaire(own_nats.url) as annuaire:
        signed = await annuaire.http.post(
            "/espace-ville/connexion",
            data={"token": annuaire.settings.admin_token.get_secret_value()},
        )
        assert signed.status_code == 303
        assert (await annuaire.http.get("/espace-ville")).status_code == 200
        own_nats.stop()
        page = await annuaire.http.get("/espace-ville", headers={"Accept": "text/html"})
        assert_french_page(page, status=503)
        assert page.headers["Retry-After"]
        own_nats.start()
