"""HTTP authorisation across the real services (SPEC §4, §7): association A can never create,
edit or cancel B's record, missions or events, nor read or cancel B's loans; admin routes
(the ressources' city routes included) need the admin token or the city's session; a token
is stored only as its hash (never in a bucket, a stream or a log line).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats
import pytest

from tests.annuaire.conftest import association_body, mission_body
from tests.platform.platform_state import stored_state
from tests.security.conftest import Scenario
from tests.support.processes import wait_until
from tests.support.services import Services
from tests.support.sessions import session_cookie
from vieasso.common.web import Kind

pytestmark = [pytest.mark.e2e, pytest.mark.nats]
PARIS = ZoneInfo("Europe/Paris")
Attempt = tuple[str, str, str, Any]


@dataclass
class Association:
    slug: str
    token: str
    mission_id: str
    event_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def event_body(event_id: str) -> dict[str, Any]:
    start = datetime.now(PARIS).date() + timedelta(days=20)
    return {
        "event_id": event_id,
        "title": "Fête de quartier",
        "start": f"{start}T14:00:00+01:00",
        "end": f"{start}T18:00:00+01:00",
        "place": {"name": "Place Pasteur", "address": "Place Pasteur", "postal_code": "25000"},
    }


def future_mission() -> dict[str, Any]:
    start = datetime.now(PARIS).date() + timedelta(days=30)
    return mission_body(starts_on=str(start), ends_on=str(start + timedelta(days=1)))


def make_association(services: Services) -> Association:
    annuaire, agenda = services.url("annuaire"), services.url("agenda")
    slug = httpx.post(f"{annuaire}/api/associations", json=association_body()).json()["slug"]
    validated = httpx.post(
        f"{annuaire}/api/associations/{slug}/validate", headers=services.admin_headers
    )
    assert validated.status_code == 200, validated.text
    token = validated.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    mission = httpx.post(f"{annuaire}/api/associations/{slug}/missions", json=future_mission(),
                         headers=auth)  # fmt: skip
    assert mission.status_code == 201, mission.text
    event_id = f"fete-{secrets.token_hex(3)}"

    def agenda_accepts() -> bool:  # the agenda learns of the validation through NATS
        answer = httpx.post(f"{agenda}/api/associations/{slug}/events",
                            json=event_body(event_id), headers=auth)  # fmt: skip
        return answer.status_code == 202

    wait_until(agenda_accepts, timeout=15, what="the agenda accepting the new association")
    # 202 is "accepted": the event exists once the agenda has applied the submission.
    page = f"{agenda}/events/{slug}/{event_id}.ics"
    wait_until(lambda: httpx.get(page).status_code == 200, timeout=15, what="the event applied")
    return Association(slug, token, mission.json()["id"], event_id)


@pytest.fixture(scope="module")
def pair(services: Services) -> tuple[Association, Association]:
    return make_association(services), make_association(services)


def attempts(
    services: Services, victim: Association, mine: Association
) -> list[tuple[str, str, str, Any]]:
    """(method, url, what, body): every write on the victim's data, plus a write on the victim's
    mission and event through the attacker's own path."""
    annuaire, agenda = services.url("annuaire"), services.url("agenda")
    b, m, e = victim.slug, victim.mission_id, victim.event_id
    return [
        ("PATCH", f"{annuaire}/api/associations/{b}", "edit B's record", {"name": "Volé"}),
        ("POST", f"{annuaire}/api/associations/{b}/missions", "mission for B", future_mission()),
        ("PATCH", f"{annuaire}/api/associations/{b}/missions/{m}", "edit B's mission",
         {"title": "Détournée"}),
        ("DELETE", f"{annuaire}/api/associations/{b}/missions/{m}", "close B's mission", None),
        ("PATCH", f"{annuaire}/api/associations/{mine.slug}/missions/{m}",
         "B's mission via A's path", {"title": "Détournée"}),
        ("DELETE", f"{annuaire}/api/associations/{mine.slug}/missions/{m}",
         "close B's mission via A's path", None),
        ("POST", f"{agenda}/api/associations/{b}/events", "event for B", event_body("intrus")),
        ("POST", f"{agenda}/api/associations/{b}/events", "overwrite B's event",
         event_body(e) | {"title": "Annulé par un tiers"}),
        ("DELETE", f"{agenda}/api/associations/{b}/events/{e}", "cancel B's event", None),
    ]  # fmt: skip


ADMIN_ROUTES = [
    ("annuaire", "POST", "/api/associations/{slug}/validate"),
    ("annuaire", "POST", "/api/associations/{slug}/token"),
    ("annuaire", "POST", "/api/associations/{slug}/refuse"),
    ("annuaire", "POST", "/api/associations/{slug}/archive"),
    ("agenda", "POST", "/api/events/{slug}/{event_id}/unpublish"),
    ("agenda", "POST", "/api/events/{slug}/{event_id}/republish"),
]


def snapshot_of(services: Services, victim: Association) -> list[bytes]:
    annuaire, agenda = services.url("annuaire"), services.url("agenda")
    urls = [
        f"{annuaire}/api/associations/{victim.slug}",
        f"{annuaire}/api/associations/{victim.slug}/missions/{victim.mission_id}",
        f"{annuaire}/api/missions?association={victim.slug}",
        f"{agenda}/events/{victim.slug}/{victim.event_id}.ics",
    ]
    return [httpx.get(url).content for url in urls]


def test_an_association_cannot_touch_anothers_record_missions_or_events(
    services: Services, pair: tuple[Association, Association], scenario: Scenario
) -> None:
    mine, victim = pair
    scenario.describe(
        name="HTTP: association A writes B's data with its own token",
        load="2 validated associations, each with a mission and an event",
        faults="—",
        inputs="edit B's record; create/edit/close B's missions (also through A's path); "
        "create/overwrite/cancel B's events",
        checked="403 (404 through A's own path), B's record, mission and event unchanged",
    )
    scenario.figure("write attempts", len(attempts(services, victim, mine)))
    before = snapshot_of(services, victim)
    refused = {}
    for method, url, what, body in attempts(services, victim, mine):
        answer = httpx.request(method, url, json=body, headers=mine.auth)
        refused[what] = answer.status_code
    assert all(status in (403, 404) for status in refused.values()), refused
    direct = [what for what, _ in refused.items() if "via A's path" not in what]
    assert {what: refused[what] for what in direct} == dict.fromkeys(direct, 403)
    assert snapshot_of(services, victim) == before


def test_an_association_cannot_take_anothers_slug_or_event_ids_through_its_own_routes(
    services: Services, pair: tuple[Association, Association]
) -> None:
    mine, victim = pair
    annuaire, agenda = services.url("annuaire"), services.url("agenda")
    before = snapshot_of(services, victim)
    renamed = httpx.patch(f"{annuaire}/api/associations/{mine.slug}",
                          json={"slug": victim.slug}, headers=mine.auth)  # fmt: skip
    assert renamed.status_code == 422
    claimed = httpx.post(f"{agenda}/api/associations/{mine.slug}/events",
                         json=event_body(victim.event_id) | {"association": victim.slug},
                         headers=mine.auth)  # fmt: skip
    assert claimed.status_code == 422 or claimed.json()["uid"].startswith(f"{mine.slug}.")
    assert httpx.get(f"{annuaire}/api/associations/{mine.slug}").json()["slug"] == mine.slug
    assert snapshot_of(services, victim) == before


def test_writes_without_a_valid_token_answer_401(
    services: Services, pair: tuple[Association, Association], scenario: Scenario
) -> None:
    mine, victim = pair
    scenario.describe(
        name="HTTP: writes without a valid token",
        load="the same 9 writes",
        faults="—",
        inputs="no header, empty bearer, token minus/plus a character, Basic scheme, "
        "the token's sha256 (what the KV stores)",
        checked="401 (403 from the agenda for a wrong token), never 2xx",
    )
    forged = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {victim.token[:-1]}"},
        {"Authorization": f"Bearer {victim.token}x"},
        {"Authorization": f"Basic {victim.token}"},
        {"Authorization": f"Bearer {hashlib.sha256(victim.token.encode()).hexdigest()}"},
    ]
    for headers in forged:
        for method, url, what, body in attempts(services, victim, mine):
            answer = httpx.request(method, url, json=body, headers=headers)
            assert answer.status_code in (401, 403), (what, headers, answer.status_code)
            assert answer.status_code != 403 or "Authorization" in headers, (what, headers)


@pytest.mark.parametrize(("service", "method", "path"), ADMIN_ROUTES)
def test_admin_routes_refuse_association_tokens_and_near_misses_of_the_admin_token(
    services: Services, pair: tuple[Association, Association], service: str, method: str,
    path: str,
) -> None:  # fmt: skip
    mine, victim = pair
    url = services.url(service) + path.format(slug=victim.slug, event_id=victim.event_id)
    admin = services.admin_token
    for token in (mine.token, victim.token):
        answer = httpx.request(method, url, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 403, answer.text
    for near_miss in (admin[:-1], admin + "A", admin.upper(), admin.lower(), f"{admin} {admin}"):
        answer = httpx.request(method, url, headers={"Authorization": f"Bearer {near_miss}"})
        assert answer.status_code in (401, 403), (near_miss == admin, answer.status_code)
    assert httpx.request(method, url).status_code == 401


def test_the_admin_token_moderates_any_association(
    services: Services, pair: tuple[Association, Association]
) -> None:
    _, victim = pair
    agenda = services.url("agenda")
    path = f"{agenda}/api/events/{victim.slug}/{victim.event_id}"
    reason = {"reason": "Hors du cadre de l'agenda associatif."}
    hidden = httpx.post(f"{path}/unpublish", json=reason, headers=services.admin_headers)
    assert hidden.status_code < 300
    assert httpx.post(f"{path}/republish", headers=services.admin_headers).status_code < 300


async def test_tokens_are_stored_only_as_hashes(
    services: Services, pair: tuple[Association, Association], scenario: Scenario,
) -> None:  # fmt: skip
    scenario.describe(
        name="HTTP: association tokens stored only as hashes",
        load="2 associations' tokens",
        faults="—",
        inputs="every KV record, every stream message, the services' logs",
        checked="the sha256 is in the association's record; the token itself nowhere",
    )
    state = await stored_state(services.nats_url)
    record_of = state["kv"]["annuaire_associations"]
    for association in pair:
        digest = hashlib.sha256(association.token.encode()).hexdigest()
        assert digest.encode() in record_of[association.slug][0]
        secret = association.token.encode()
        for bucket, records in state["kv"].items():
            assert not any(secret in value for value, _ in records.values()), bucket
        for stream, messages in state["streams"].items():
            assert not any(secret in (data or b"") for _, _, data, _ in messages), stream
        for svc in services.running.values():
            assert association.token not in svc.process.output()


Route = tuple[str, str, Any]
RESSOURCES_CITY_ROUTES: list[Route] = [
    ("GET", "/api/prets", None),
    ("POST", "/api/prets/{loan_id}/decision", {"granted": [1]}),
    ("POST", "/api/prets/{loan_id}/decision", {"reason": "Refusé par un tiers."}),
    ("POST", "/api/prets/{loan_id}/pret", None),
    ("POST", "/api/prets/{loan_id}/retrait", None),
    ("POST", "/api/prets/{loan_id}/retour", {"lines": []}),
    ("POST", "/api/prets/{loan_id}/annulation", {"reason": "Annulé par un tiers."}),
    ("GET", "/api/prets/export.csv", None),
    ("PUT", "/api/catalogue/fermetures", {"days": []}),
]


@dataclass
class Lent:
    model_id: str
    loan_id: str  # the victim's (B's) request


def loan_body(model_id: str, starts_on: date) -> dict[str, Any]:
    day = str(starts_on)
    return {"starts_on": day, "ends_on": day, "lines": [{"resource_id": model_id}]}


@pytest.fixture(scope="module")
def lent(services: Services, pair: tuple[Association, Association]) -> Lent:
    """A model lent at no notice and a request of B for it (the first open day in 10 to 20)."""
    ressources, (_, victim) = services.url("ressources"), pair
    model_id = f"barnum-{secrets.token_hex(3)}"
    model = {"name": "Barnum 3×3 m", "category": "barnums", "stock": 3, "storage_place": "CTM",
             "notice": {"min_days": 0, "max_days": 365}}  # fmt: skip
    put = httpx.put(f"{ressources}/api/catalogue/materiel/{model_id}", json=model,
                    headers=services.admin_headers)  # fmt: skip
    assert put.status_code == 200, put.text
    today = datetime.now(PARIS).date()
    for offset in range(10, 21):  # past Sundays and holidays
        asked = httpx.post(f"{ressources}/api/associations/{victim.slug}/prets",
                           json=loan_body(model_id, today + timedelta(days=offset)),
                           headers=victim.auth)  # fmt: skip
        if asked.status_code == 201:
            return Lent(model_id, asked.json()["id"])
    raise AssertionError(f"no open day for a request: {asked.text}")


def loans_of(services: Services, victim: Association) -> Any:
    url = f"{services.url('ressources')}/api/associations/{victim.slug}/prets"
    return httpx.get(url, headers=victim.auth).json()


def association_session(services: Services, who: Association) -> dict[str, str]:
    """The headers of a browser signed in as `who` on the annuaire (its shared session)."""

    async def signed_in() -> dict[str, str]:
        nc = await nats.connect(services.nats_url)
        try:
            return await session_cookie(nc.jetstream(), Kind.ASSOCIATION, who.token, who.slug)
        finally:
            await nc.close()

    return asyncio.run(signed_in())


def test_an_association_cannot_read_or_cancel_anothers_loans(
    services: Services, pair: tuple[Association, Association], lent: Lent, scenario: Scenario
) -> None:
    mine, victim = pair
    scenario.describe(
        name="HTTP: association A reads or cancels B's loans",
        load="B's loan request in the ressources service",
        faults="—",
        inputs="list, request for, cancel B's loans with A's token (also through A's path); "
        "B's calendar feed; A's signed-in session on the reservation pages",
        checked="403 (404 through A's own path and for the feed), B's loans unchanged",
    )
    ressources, b, loan = services.url("ressources"), victim.slug, lent.loan_id
    before = loans_of(services, victim)
    assert [x["id"] for x in before["loans"]] == [loan]
    answers = {
        "list B's loans": httpx.get(f"{ressources}/api/associations/{b}/prets",
                                    headers=mine.auth).status_code,
        "request for B": httpx.post(f"{ressources}/api/associations/{b}/prets",
                                    json=loan_body(lent.model_id, datetime.now(PARIS).date()),
                                    headers=mine.auth).status_code,
        "cancel B's loan": httpx.post(f"{ressources}/api/associations/{b}/prets/{loan}/annulation",
                                      headers=mine.auth).status_code,
        "B's loan via A's path": httpx.post(
            f"{ressources}/api/associations/{mine.slug}/prets/{loan}/annulation",
            headers=mine.auth).status_code,
        "B's calendar": httpx.get(f"{ressources}/feeds/associations/{b}/prets.ics",
                                  headers=mine.auth).status_code,
    }  # fmt: skip
    assert answers == {
        "list B's loans": 403, "request for B": 403, "cancel B's loan": 403,
        "B's loan via A's path": 404, "B's calendar": 404,
    }  # fmt: skip
    signed_in = association_session(services, mine)
    page = httpx.get(f"{ressources}/espace-association/reservations", headers=signed_in)
    assert page.status_code == 200
    assert loan not in page.text
    cancel_page = httpx.post(f"{ressources}/espace-association/reservations/{loan}/annuler",
                             data={"confirmation": "oui"}, headers=signed_in)  # fmt: skip
    assert cancel_page.status_code == 404
    assert loans_of(services, victim) == before


@pytest.mark.parametrize("route", RESSOURCES_CITY_ROUTES)
def test_ressources_city_routes_need_the_admin_token_or_the_city_session(
    services: Services, pair: tuple[Association, Association], lent: Lent, route: Route
) -> None:
    mine, victim = pair
    method, path, body = route
    url = services.url("ressources") + path.format(loan_id=lent.loan_id)
    before = loans_of(services, victim)
    admin = services.admin_token
    for token in (mine.token, victim.token):
        headers = {"Authorization": f"Bearer {token}"}
        answer = httpx.request(method, url, json=body, headers=headers)
        assert answer.status_code == 403, answer.text
    for near_miss in (admin[:-1], admin + "A", admin.upper(), f"{admin} {admin}"):
        headers = {"Authorization": f"Bearer {near_miss}"}
        assert httpx.request(method, url, json=body, headers=headers).status_code in (401, 403)
    assert httpx.request(method, url, json=body).status_code == 401
    for who in (mine, victim):  # an association's session is not the city's
        signed_in = association_session(services, who)
        assert httpx.request(method, url, json=body, headers=signed_in).status_code == 401
    assert loans_of(services, victim) == before


def test_the_citys_loan_pages_send_an_association_to_the_sign_in(
    services: Services, pair: tuple[Association, Association]
) -> None:
    mine, _ = pair
    signed_in = association_session(services, mine)
    for page_path in ("/espace-ville/prets", "/espace-ville/prets/export.csv"):
        page = httpx.get(services.url("ressources") + page_path, headers=signed_in)
        assert page.status_code == 303, (page_path, page.status_code)
        assert page.headers["location"].endswith("/espace-ville/connexion"), page_path
