"""HTTP write API: submit and cancel with a token, French 422 (SPEC §4; moderation:
test_moderation.py)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.agenda.conftest import Directory, Running, wait_for
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.domain.model import event_key

pytestmark = pytest.mark.nats


def body(event_id: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "event_id": event_id,
        "title": "Vide-grenier",
        "start": "2026-04-05T08:00:00+02:00",
        "end": "2026-04-05T17:00:00+02:00",
        "place": {"name": "Place Pasteur", "address": "Place Pasteur", "postal_code": "25000"},
    }
    values.update(fields)
    return values


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_association_token_submits_and_cancels_its_own_events_only(
    agenda: Running, directory: Directory
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    other = await directory.association()
    await wait_for(lambda: agenda.wiring.directory.association(other), what="directory")

    accepted = await agenda.client.post(
        f"/api/associations/{slug}/events", json=body("vide-grenier"), headers=bearer(token)
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["uid"] == f"{slug}.vide-grenier@{agenda.settings.domain}"
    key = event_key(slug, "vide-grenier")
    await wait_for(lambda: agenda.wiring.catalog.get(key), what="event through NATS")

    foreign = await agenda.client.post(
        f"/api/associations/{other}/events", json=body("intrus"), headers=bearer(token)
    )
    assert foreign.status_code == 403
    anonymous = await agenda.client.post(f"/api/associations/{slug}/events", json=body("x"))
    assert anonymous.status_code == 401

    cancelled = await agenda.client.delete(
        f"/api/associations/{slug}/events/vide-grenier", headers=bearer(token)
    )
    assert cancelled.status_code == 202

    def is_cancelled() -> bool:
        entry = agenda.wiring.catalog.get(key)
        return entry is not None and entry.record.cancelled

    await wait_for(is_cancelled, what="cancellation through NATS")
    unknown = await agenda.client.delete(
        f"/api/associations/{slug}/events/inconnu", headers=bearer(token)
    )
    assert unknown.status_code == 404


async def test_invalid_submission_answers_422_with_french_reasons_per_field(
    agenda: Running, directory: Directory
) -> None:
    slug = await directory.association()
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    shape = await agenda.client.post(
        f"/api/associations/{slug}/events",
        json=body("a", title="x" * 141, start="demain", registration_url="ftp://x"),
        headers=admin,
    )
    assert shape.status_code == 422
    fields = {e["field"]: e["message"] for e in shape.json()["errors"]}
    assert "trop long" in fields["title"]
    assert "Date invalide" in fields["start"]
    assert "registration_url" in fields
    rules = await agenda.client.post(
        f"/api/associations/{slug}/events",
        json=body("b", end="2026-04-05T07:00:00+02:00", rrule="FREQ=DAILY"),
        headers=admin,
    )
    assert rules.status_code == 422
    reasons = {e["field"]: e["message"] for e in rules.json()["errors"]}
    assert reasons["end"] == "La fin doit être après le début."
    assert "se terminer" in reasons["rrule"]


@pytest.mark.timeout(60)  # INTERVAL=0 used to freeze the app: a hang fails here
async def test_a_recurrence_that_would_freeze_or_crash_answers_422_in_french(
    agenda: Running, directory: Directory
) -> None:
    slug = await directory.association()
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    rules = {
        "FREQ=DAILY;INTERVAL=0;UNTIL=20271231T000000Z": "INTERVAL",
        "FREQ=DAILY;INTERVAL=-1;COUNT=3": "INTERVAL",  # a bare ValueError: HTTP 500
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3": "aucune date",
        "FREQ=YEARLY;BYEASTER=400;COUNT=2": "BYEASTER",  # an IndexError inside dateutil
    }
    for n, (rule, words) in enumerate(rules.items()):
        answer = await agenda.client.post(
            f"/api/associations/{slug}/events", json=body(f"r{n}", rrule=rule), headers=admin
        )
        assert answer.status_code == 422, (rule, answer.text)
        reasons = {e["field"]: e["message"] for e in answer.json()["errors"]}
        assert words in reasons["rrule"], reasons
