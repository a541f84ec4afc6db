"""The city hides an event with its reason; the association is mailed once (issue 13).

Real nats-server: the mail request is read back from the `COURRIER` work queue (no consumer
drains it in these tests), the fact from `AGENDA`.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from typing import Any

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from tests.agenda.conftest import (
    Directory,
    Running,
    create_running,
    get_calendar,
    vevents,
    wait_for,
)
from tests.agenda.test_api import bearer, body
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.domain.model import MISSING_REASON, event_key
from vieasso.agenda.handlers import Agenda
from vieasso.common import subjects
from vieasso.common.messages.base import Message
from vieasso.common.messages.courrier import CourrierRequest, ToAssociation
from vieasso.common.nats.publish import Publish, PublishError

pytestmark = pytest.mark.nats

REASON = "Vente commerciale :\nhors du cadre de l'agenda associatif."


async def mail_requests(js: JetStreamContext, slug: str) -> list[tuple[CourrierRequest, bytes]]:
    """Every request of the agenda on the COURRIER work queue for `slug`, with its bytes."""
    found: list[tuple[CourrierRequest, bytes]] = []
    seq = 1
    subject = subjects.courrier_request("agenda")
    while True:
        try:
            msg = await js.get_msg("COURRIER", seq=seq, subject=subject, next=True)
        except NotFoundError:
            return found
        assert msg.data is not None
        assert msg.seq is not None
        request = CourrierRequest.model_validate_json(msg.data)
        if request.to == ToAssociation(association=slug):
            found.append((request, msg.data))
        seq = msg.seq + 1


async def an_event(agenda: Running, directory: Directory, event_id: str = "fete") -> str:
    slug = await directory.association()
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    answer = await agenda.client.post(
        f"/api/associations/{slug}/events", json=body(event_id), headers=admin
    )
    assert answer.status_code == 202, answer.text
    await wait_for(lambda: agenda.wiring.catalog.get(event_key(slug, event_id)), what="event")
    return slug


async def feed_uids(agenda: Running, slug: str) -> set[str]:
    return set(vevents(await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")))


def counting(agenda: Agenda, published: list[str], *, fail_mail: bool = False) -> Agenda:
    """The same use cases, publishing through a recorder (that may refuse mail requests)."""
    real = agenda.publish

    async def publish(subject: str, message: Message) -> None:
        published.append(subject)
        if fail_mail and subject.startswith("courrier."):
            raise PublishError(f"{subject}: refused by the test")
        await real(subject, message)

    recorder: Publish = publish
    return dataclasses.replace(agenda, publish=recorder)


async def test_unpublish_without_a_valid_reason_is_refused_in_french_and_changes_nothing(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await an_event(agenda, directory)
    url = f"/api/events/{slug}/fete/unpublish"
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    refusals: list[tuple[dict[str, Any], str]] = [
        ({}, MISSING_REASON),  # an old client: no body at all
        ({"json": {}}, "Ce champ est obligatoire."),
        ({"json": {"reason": " \n "}}, MISSING_REASON),
        ({"json": {"reason": "x" * 2001}}, "Ce texte est trop long (2000 caractères au maximum)."),
        ({"json": {"reason": "a\x00b"}}, "Ce texte contient des caractères de contrôle interdits."),
    ]
    for sent, message in refusals:
        answer = await agenda.client.post(url, headers=admin, **sent)
        assert answer.status_code == 422, (sent, answer.text)
        assert {e["field"]: e["message"] for e in answer.json()["errors"]} == {"reason": message}

    broken = await agenda.client.post(url, headers=admin, content=b'{"reason": ')
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["message"] == "Le contenu n'est pas du JSON valide."

    assert len(await feed_uids(agenda, slug)) == 1
    assert await mail_requests(js, slug) == []


async def test_only_the_admin_token_unpublishes(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    mine = bearer(token)
    answer = await agenda.client.post(
        f"/api/associations/{slug}/events", json=body("fete"), headers=mine
    )
    assert answer.status_code == 202
    await wait_for(lambda: agenda.wiring.catalog.get(event_key(slug, "fete")), what="event")
    url = f"/api/events/{slug}/fete/unpublish"

    sends: list[dict[str, Any]] = [{}, {"json": {"reason": REASON}}]
    for sent in sends:  # refused before the body is looked at
        assert (await agenda.client.post(url, **sent)).status_code == 401
        assert (await agenda.client.post(url, headers=mine, **sent)).status_code == 403
        assert (await agenda.client.post(url, headers=bearer("x"), **sent)).status_code == 403

    assert len(await feed_uids(agenda, slug)) == 1
    assert await mail_requests(js, slug) == []


async def test_unpublish_hides_keeps_the_reason_for_the_city_and_requests_one_mail_per_hiding(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await an_event(agenda, directory)
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    url = f"/api/events/{slug}/fete"
    published: list[str] = []
    agenda.wiring.agenda_ = counting(agenda.wiring.agenda(), published)

    hidden = await agenda.client.post(f"{url}/unpublish", json={"reason": REASON}, headers=admin)

    assert hidden.status_code == 200, hidden.text
    assert hidden.json() == {
        "uid": f"{slug}.fete@{agenda.settings.domain}",
        "sequence": 1,
        "masqué": True,
        "motif": REASON,
    }
    assert await feed_uids(agenda, slug) == set()
    assert (await agenda.client.get(f"/events/{slug}/fete")).status_code == 404
    entry = agenda.wiring.catalog.get(event_key(slug, "fete"))
    assert entry is not None
    moderation = entry.record.moderation
    assert moderation is not None
    assert moderation.reason == REASON
    assert moderation.mail_requested_at is not None
    fact = await js.get_last_msg("AGENDA", subjects.event(slug, subjects.EventChange.UPDATED))
    assert fact.data is not None
    assert json.loads(fact.data)["event"]["unpublished"] is True
    assert b"commerciale" not in fact.data  # the reason is not public
    [(request, raw)] = await mail_requests(js, slug)
    assert request.key == f"masque.{slug}.fete.1"
    assert request.template == "evenement-masque"
    assert request.params == {
        "event_title": "Vide-grenier",
        "event_start": "2026-04-05T08:00:00+02:00",
        "reason": REASON,
    }
    assert b"@" not in raw  # no address: the newsletter reads the association's contact

    again = await agenda.client.post(
        f"{url}/unpublish", json={"reason": "Un autre motif."}, headers=admin
    )
    assert again.status_code == 200
    assert again.json()["motif"] == REASON  # the same hiding, its first reason
    assert again.json()["sequence"] == 1
    assert [s for s in published if s.startswith("courrier.")] == ["courrier.requests.agenda"]
    assert len(await mail_requests(js, slug)) == 1

    shown = await agenda.client.post(f"{url}/republish", headers=admin)
    assert shown.json() == {
        "uid": f"{slug}.fete@{agenda.settings.domain}",
        "sequence": 2,
        "masqué": False,
        "motif": None,
    }
    assert len(await feed_uids(agenda, slug)) == 1
    doublon = {"reason": "Doublon."}
    second = await agenda.client.post(f"{url}/unpublish", json=doublon, headers=admin)
    assert second.json()["sequence"] == 3
    keys = [request.key for request, _ in await mail_requests(js, slug)]
    assert keys == [f"masque.{slug}.fete.1", f"masque.{slug}.fete.3"]  # a new hiding, a new mail


async def test_a_hiding_whose_mail_was_refused_is_finished_at_the_next_start_under_its_key(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await an_event(agenda, directory)
    admin = bearer(agenda.settings.admin_token.get_secret_value())
    url = f"/api/events/{slug}/fete/unpublish"
    real_publish = agenda.wiring.agenda().publish
    agenda.wiring.agenda_ = counting(agenda.wiring.agenda(), [], fail_mail=True)

    refused = await agenda.client.post(url, json={"reason": REASON}, headers=admin)

    assert refused.status_code == 503  # nothing lost: the hiding is saved, its mail pending
    assert await feed_uids(agenda, slug) == set()
    assert await mail_requests(js, slug) == []

    async with create_running(agenda.settings.nats_url) as restarted:  # as after a crash
        keys = [request.key for request, _ in await mail_requests(js, slug)]
        assert keys == [f"masque.{slug}.fete.1"]
        found = restarted.wiring.catalog.get(event_key(slug, "fete"))
        assert found is not None
        assert found.record.moderation is not None
        assert found.record.moderation.mail_requested_at is not None

    agenda.wiring.agenda_ = dataclasses.replace(agenda.wiring.agenda(), publish=real_publish)
    again = await agenda.client.post(url, json={"reason": REASON}, headers=admin)
    assert again.status_code == 200
    assert len(await mail_requests(js, slug)) == 1
