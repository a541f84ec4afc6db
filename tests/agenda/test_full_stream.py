"""A full AGENDA stream (its max_bytes reached, docs/deploy.md "Limits") refuses the
submission: the API answers 503 with Retry-After, never 500."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, wait_for
from tests.support.nats_server import NatsServer
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.common.nats.catalogue import STREAMS
from vieasso.common.nats.provisioning import ensure_stream, stream_config

pytestmark = pytest.mark.nats


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture
def nats_url(own_server: NatsServer) -> str:
    """The agenda fixtures on a server of this test's own: it fills AGENDA."""
    return own_server.url


async def test_the_agenda_answers_503_when_its_stream_is_full(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    spec = next(s for s in STREAMS if s.name == "AGENDA")
    await ensure_stream(js, stream_config(replace(spec, max_bytes=256), 1))

    response = await agenda.client.post(
        f"/api/associations/{slug}/events",
        json={
            "event_id": "vide-grenier",
            "title": "Vide-grenier",
            "start": "2026-04-05T08:00:00+02:00",
            "end": "2026-04-05T17:00:00+02:00",
            "place": {"name": "Place Pasteur", "address": "Place Pasteur", "postal_code": "25000"},
        },
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert "réessayez" in response.json()["detail"]
