from __future__ import annotations

import pytest

from tests.annuaire.conftest import Client

pytestmark = pytest.mark.nats


async def test_registered_association_lands_pending_and_validation_issues_a_token(
    annuaire: Client,
) -> None:
    created = await annuaire.register()
    assert created["state"] == "pending"
    slug, _ = await annuaire.validated()
    response = await annuaire.http.get(f"/api/associations/{slug}")
    assert response.json()["state"] == "validated"
