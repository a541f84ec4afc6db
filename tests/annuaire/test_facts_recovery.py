""" "Nothing lost": a record saved in KV whose fact could not be published gets its fact at the
next start, under its deterministic id, once."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, association_body, read_facts, running_annuaire
from vieasso.annuaire.domain.rules import make_slug
from vieasso.common.messages.base import Message
from vieasso.common.nats.publish import PublishError

pytestmark = pytest.mark.nats


async def _unreachable(subject: str, message: Message) -> None:
    raise PublishError(f"{subject}: JetStream did not answer")


async def test_a_fact_lost_after_the_kv_write_is_published_at_the_next_start_once(
    annuaire: Client, js: JetStreamContext, nats_url: str
) -> None:
    annuaire.unit.publish = _unreachable
    body = association_body()
    response = await annuaire.http.post("/api/associations", json=body)
    assert response.status_code == 503
    assert "réessayez" in response.json()["detail"]
    slug = make_slug(body["name"])
    assert annuaire.unit.index.association(slug) is not None  # saved, not announced
    assert await read_facts(js, f"annuaire.associations.{slug}.>", at_least=0, within=0.5) == []
    for _ in range(2):  # two restarts: the fact once, the second one dropped by JetStream
        async with running_annuaire(nats_url, republish_window_seconds=120) as restarted:
            assert restarted.unit.index.association(slug) is not None
    facts = await read_facts(js, f"annuaire.associations.{slug}.>", within=1.0)
    assert [s for s, _ in facts] == [f"annuaire.associations.{slug}.registered"]
