"""Random bodies on the write routes: a clear answer (2xx, 4xx), never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.annuaire.conftest import Client, association_body, mission_body

pytestmark = pytest.mark.nats

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=300),
    st.sampled_from(["W251001234", "732829320", "battant", "sport", "https://x.fr", "", " "]),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner),
    max_leaves=8,
)  # fmt: skip


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from([*base, "inconnu"])
    return st.dictionaries(keys, VALUES, max_size=6).map(lambda changes: {**base, **changes})


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=mutated(association_body()))
async def test_random_registrations_never_fail_with_a_5xx(
    annuaire: Client, body: dict[str, Any]
) -> None:
    response = await annuaire.http.post("/api/associations", json=body)
    assert response.status_code in {201, 409, 422}, response.text
    if response.status_code == 422:
        assert all(e["message"] for e in response.json()["errors"])


@FUZZ
@given(body=mutated({"short_name": "X", "themes": ["sport"], "address": None}))
async def test_random_edits_never_fail_with_a_5xx(annuaire: Client, body: dict[str, Any]) -> None:
    slug = annuaire.app.state.fuzz_slug if hasattr(annuaire.app.state, "fuzz_slug") else None
    if slug is None:
        slug = (await annuaire.register())["slug"]
        annuaire.app.state.fuzz_slug = slug
    response = await annuaire.http.patch(
        f"/api/associations/{slug}", json=body, headers=annuaire.admin
    )
    assert response.status_code in {200, 409, 422}, response.text


@FUZZ
@given(body=mutated(mission_body()))
async def test_random_missions_never_fail_with_a_5xx(
    annuaire: Client, body: dict[str, Any]
) -> None:
    if not hasattr(annuaire.app.state, "fuzz_association"):
        annuaire.app.state.fuzz_association = await annuaire.validated()
    slug, auth = annuaire.app.state.fuzz_association
    response = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=body, headers=auth
    )
    assert response.status_code in {201, 409, 422}, response.text
