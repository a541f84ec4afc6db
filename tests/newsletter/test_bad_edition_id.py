"""Regression (found by schemathesis, tests/reliability): an edition id that cannot be a
KV key (a no-break space, a wildcard) answered 500; it is simply unknown."""

from __future__ import annotations

import pytest

from tests.newsletter.conftest import App

pytestmark = pytest.mark.nats


@pytest.mark.parametrize("edition_id", ["\u00a0", "*", "a b", "x>"])
async def test_an_edition_id_that_is_no_kv_key_is_not_found(
    newsletter_app: App, edition_id: str
) -> None:
    response = await newsletter_app.client.get(f"/api/editions/{edition_id}")
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == "Édition inconnue."
