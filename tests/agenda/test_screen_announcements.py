"""Announcements on the city's screens (issue 14): the association asks, the city accepts
or refuses with a reason (mailed), accepted ones rotate on the chosen screens; facts on
``agenda.screens.<id>.announcements.*`` carry no personal data."""

from __future__ import annotations

import html
import json
import secrets
from datetime import date
from typing import Any

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from tests.agenda.conftest import (
    NOW,
    Directory,
    Running,
    applied,
    create_running,
    submission,
    wait_for,
)
from tests.agenda.test_screens import city, new_screen
from tests.conftest import random_slug
from tests.support.sessions import session_cookie
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.domain.screens import Announcement, AnnouncementState, Screen
from vieasso.common import subjects
from vieasso.common.messages.courrier import CourrierRequest, ToAssociation
from vieasso.common.messages.screens import AnnouncementApproved, AnnouncementWithdrawn
from vieasso.common.web import Kind

pytestmark = pytest.mark.nats
SPACE = "/espace-association/annonces"


async def stream_messages(js: JetStreamContext, stream: str, subject: str) -> list[bytes]:
    found: list[bytes] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return found
        assert msg.data is not None
        assert msg.seq is not None
        found.append(msg.data)
        seq = msg.seq + 1


async def mails_to(js: JetStreamContext, slug: str) -> list[CourrierRequest]:
    raw = await stream_messages(js, "COURRIER", subjects.courrier_request("agenda"))
    requests = [CourrierRequest.model_validate_json(r) for r in raw]
    return [r for r in requests if r.to == ToAssociation(association=slug)]


async def an_association(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> tuple[str, dict[str, str]]:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    me = await session_cookie(
        js, Kind.ASSOCIATION, token, slug, clock=agenda.clock, settings=agenda.settings
    )
    return slug, me


def ask(event_id: str, screens: list[str], first: str, last: str) -> dict[str, Any]:
    return {"evenement": event_id, "ecrans": screens, "du": first, "au": last}


async def test_an_accepted_announcement_rotates_on_its_screens_and_is_mailed_once(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    slug, me = await an_association(agenda, js, directory)
    await applied(agenda, js, submission(slug, "fete", title="Fête de la soupe",
                                         start="2026-03-14T11:00:00+01:00",
                                         end="2026-03-14T17:00:00+01:00"))  # fmt: skip
    city_me = await city(js, agenda)
    hall = await new_screen(agenda, city_me)
    other = await new_screen(agenda, city_me)

    form = await agenda.client.get(SPACE, headers=me)
    assert form.status_code == 200
    assert "Fête de la soupe" in html.unescape(form.text)
    asked = await agenda.client.post(
        SPACE, data=ask("fete", [hall], "2026-03-10", "2026-03-14"), headers=me
    )
    assert asked.status_code == 303
    mine = [a for a in agenda.wiring.screens().all_announcements() if a.association == slug]
    assert len(mine) == 1
    announcement = mine[0]
    assert announcement.state is AnnouncementState.REQUESTED

    waiting = await agenda.client.get("/ecrans", headers=city_me)
    assert "Fête de la soupe" in html.unescape(waiting.text)
    decided = await agenda.client.post(
        f"/ecrans/annonces/{announcement.id}/accepter", headers=city_me
    )
    assert decided.status_code == 303

    rows = json.loads((await agenda.client.get(f"/ecran/{hall}.json")).content)["rows"]
    assert [(r["kind"], r["title"]) for r in rows if r["kind"] == "annonce"] == [
        ("annonce", "Fête de la soupe")
    ]
    others = json.loads((await agenda.client.get(f"/ecran/{other}.json")).content)["rows"]
    assert all(r["kind"] != "annonce" for r in others)
    page = html.unescape((await agenda.client.get(f"/ecran/{hall}")).text)
    assert 'class="annonce"' in page
    assert "Fête de la soupe" in page

    facts = await stream_messages(
        js, "AGENDA", subjects.screen_announcement(hall, subjects.AnnouncementChange.APPROVED)
    )
    approved = [AnnouncementApproved.model_validate_json(f) for f in facts]
    assert [(f.announcement_id, f.association, f.event_id) for f in approved][-1:] == [
        (announcement.id, slug, "fete")
    ]
    (mail,) = await mails_to(js, slug)
    assert mail.template == "annonce-decision"
    assert mail.params["approved"] is True
    assert mail.params["screens"] == [agenda.wiring.screens().screen(hall).name]  # type: ignore[union-attr]

    # accepting again changes nothing and mails nothing more
    again = await agenda.client.post(
        f"/ecrans/annonces/{announcement.id}/accepter", headers=city_me
    )
    assert again.status_code == 404
    assert len(await mails_to(js, slug)) == 1

    withdrawn = await agenda.client.post(f"{SPACE}/{announcement.id}/retirer", headers=me)
    assert withdrawn.status_code == 303
    facts = await stream_messages(
        js, "AGENDA", subjects.screen_announcement(hall, subjects.AnnouncementChange.WITHDRAWN)
    )
    assert AnnouncementWithdrawn.model_validate_json(facts[-1]).announcement_id == announcement.id
    rows = json.loads((await agenda.client.get(f"/ecran/{hall}.json")).content)["rows"]
    assert all(r["kind"] != "annonce" for r in rows)


async def test_the_city_refuses_with_a_reason_that_is_mailed_and_bad_requests_come_back_in_french(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    slug, me = await an_association(agenda, js, directory)
    await applied(agenda, js, submission(slug, "loto"))
    city_me = await city(js, agenda)
    hall = await new_screen(agenda, city_me)

    bad = await agenda.client.post(
        SPACE, data=ask("pas-a-moi", [], "2026-03-12", "2026-03-11"), headers=me
    )
    assert bad.status_code == 422
    text = html.unescape(bad.text)
    assert "Choisissez un de vos événements à venir." in text
    too_long = await agenda.client.post(
        SPACE, data=ask("loto", [hall], "2026-03-10", "2026-06-30"), headers=me
    )
    assert too_long.status_code == 422
    assert "Une annonce dure au plus 62 jours." in html.unescape(too_long.text)

    await agenda.client.post(
        SPACE, data=ask("loto", [hall], "2026-03-10", "2026-03-13"), headers=me
    )
    (announcement,) = [
        a for a in agenda.wiring.screens().all_announcements() if a.association == slug
    ]
    refuse = f"/ecrans/annonces/{announcement.id}/refuser"
    empty = await agenda.client.post(refuse, data={"motif": "  "}, headers=city_me)
    assert empty.status_code == 422
    reason = "Les écrans sont réservés cette semaine\nà la campagne électorale."
    done = await agenda.client.post(refuse, data={"motif": reason}, headers=city_me)
    assert done.status_code == 303
    (mail,) = await mails_to(js, slug)
    assert mail.params["approved"] is False
    assert mail.params["reason"] == reason
    listing = html.unescape((await agenda.client.get(SPACE, headers=me)).text)
    assert "Refusée" in listing
    rows = json.loads((await agenda.client.get(f"/ecran/{hall}.json")).content)["rows"]
    assert all(r["kind"] != "annonce" for r in rows)
    # the association cannot decide (no city session); another association cannot withdraw
    accept = f"/ecrans/annonces/{announcement.id}/accepter"
    assert (await agenda.client.post(accept, headers=me)).status_code == 401
    _, stranger = await an_association(agenda, js, directory)
    withdraw = f"{SPACE}/{announcement.id}/retirer"
    assert (await agenda.client.post(withdraw, headers=stranger)).status_code == 404


async def test_a_decision_interrupted_before_its_facts_and_mail_is_finished_at_the_next_start(
    nats_url: str, js: JetStreamContext, directory: Directory
) -> None:
    """Step (1) saved, the process gone before (2): the next start publishes the facts and
    the mail, once, and marks the decision notified."""
    slug = await directory.association()
    screen_id = random_slug("ecran")
    announcement_id = secrets.token_hex(8)
    kv = await js.key_value("agenda_screens")
    screen = Screen(id=screen_id, name="Hall", created_at=NOW, updated_at=NOW)
    await kv.put(f"screen.{screen_id}", screen.model_dump_json().encode())
    decided = Announcement(
        id=announcement_id, association=slug, event_id="fete", screens=(screen_id,),
        first_day=date(2026, 3, 10), last_day=date(2026, 3, 14),
        state=AnnouncementState.APPROVED, requested_at=NOW, decided_at=NOW,
        was=AnnouncementState.REQUESTED, mail_key=f"annonce.{announcement_id}.acceptee",
    )  # fmt: skip
    await kv.put(f"annonce.{announcement_id}", decided.model_dump_json().encode())

    for _ in range(2):  # and a second start changes nothing more
        async with create_running(nats_url) as agenda:
            held = agenda.wiring.screens().announcement(announcement_id)
            assert held is not None
            assert held[0].notified_at is not None
    approved = subjects.screen_announcement(screen_id, subjects.AnnouncementChange.APPROVED)
    assert len(await stream_messages(js, "AGENDA", approved)) == 1
    assert [m.key for m in await mails_to(js, slug)] == [f"annonce.{announcement_id}.acceptee"]
