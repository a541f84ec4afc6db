"""The agenda's pages over real HTTP: the agenda as a process (`vieasso-agenda serve`) on the
session's nats-server, the directory written where the annuaire writes it, the sign-in
cookies as the annuaire sets them (issue 7)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.agenda.conftest import Directory
from tests.support.services import ServiceProcess, start_service_process
from tests.support.sessions import session_cookie
from vieasso.agenda.adapters.event_form import to_body
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.domain.model import MISSING_REASON
from vieasso.common.web import Kind
from vieasso.common.web.dates import date_fr

pytestmark = pytest.mark.nats

PARIS = ZoneInfo("Europe/Paris")
SPACE = "/espace-association/evenements"
BUDGET = 100_000
ADMIN = secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def agenda_url(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("agenda-pages")
    env = {"VIEASSO_AGENDA_CONSUMER": f"agenda-pages-{secrets.token_hex(4)}"}
    svc: ServiceProcess = start_service_process(
        "agenda", nats_url=nats_url, workdir=workdir, admin_token=ADMIN, env=env
    )
    try:
        yield svc.wait_healthy(timeout=60).url
    finally:
        svc.stop()


@pytest.fixture
async def http(agenda_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=agenda_url, timeout=10) as client:
        yield client


async def eventually(
    check: Callable[[], Awaitable[bool]], *, what: str, within: float = 10.0
) -> None:
    """Poll `check` until true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


async def as_association(directory: Directory, slug: str, token: str) -> dict[str, str]:
    """The headers of a browser holding the session cookie the annuaire's sign-in sets."""
    return await session_cookie(directory.js, Kind.ASSOCIATION, token, slug)


async def as_city(directory: Directory, token: str) -> dict[str, str]:
    """A city session opened with `token` (refused unless it is the admin token)."""
    return await session_cookie(directory.js, Kind.CITY, token)


def page(response: httpx.Response, status: int = 200) -> str:
    """The HTML of a page, checked: status, French, within the budget."""
    assert response.status_code == status, response.text[-2000:]
    assert response.headers["content-type"].startswith("text/html")
    assert len(response.content) < BUDGET
    assert '<html lang="fr">' in response.text
    return response.text


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="erreur" id="f-{field}-erreur">(.*?)</p>', html)
    assert found is not None, f"no error shown next to {field}"
    return found.group(1)


async def signed_up(directory: Directory, http: httpx.AsyncClient) -> tuple[str, str]:
    """A validated association with its token, once the agenda's directory knows it."""
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    name = f"Les Amis de {slug}"

    me = await as_association(directory, slug, token)

    async def known() -> bool:
        listing = await http.get(SPACE, headers=me)
        return (
            listing.status_code == 200
            and name in listing.text
            and "/espace-association/deconnexion" in listing.text
        )

    await eventually(known, what=f"{slug} in the agenda's directory")
    return slug, token


def local(moment: datetime) -> str:
    """As a `datetime-local` input sends it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def next_week_at(hour: int, minute: int = 0, days: int = 8) -> datetime:
    day = datetime.now(PARIS).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def form(title: str, start: datetime, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": title,
        "start": local(start),
        "end": local(start + timedelta(hours=2)),
        "place_name": "Maison de quartier",
        "place_address": "3 rue Battant",
        "place_postal_code": "25000",
        "attendance_mode": "offline",
        "audience": ["tout_public"],
    }
    values.update(fields)
    return values


def api_body(event_id: str, title: str, start: datetime, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "title": title,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"},
    }
    body.update(fields)
    return body


async def published(http: httpx.AsyncClient, slug: str, token: str, body: dict[str, Any]) -> str:
    """Publish through the API; return the event page's path once it answers."""
    sent = await http.post(
        f"/api/associations/{slug}/events", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert sent.status_code == 202, sent.text
    path = f"/events/{slug}/{body['event_id']}"

    async def shown() -> bool:
        return (await http.get(path)).status_code == 200

    await eventually(shown, what=path)
    return path


async def feed_uids(http: httpx.AsyncClient, query: str) -> set[str]:
    feed = await http.get(f"/feeds/agenda.ics?{query}")
    assert feed.status_code == 200
    unfolded = feed.text.replace("\r\n ", "")
    return set(re.findall(r"^UID:(.*?)\r?$", unfolded, re.MULTILINE))


async def test_an_association_publishes_a_weekly_event_that_appears_on_the_agenda_and_in_ics(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    me = await as_association(directory, slug, token)
    blank = page(await http.get(f"{SPACE}/nouveau", headers=me))
    ref = re.search(r'name="ref" value="([a-z0-9]+)"', blank)
    assert ref is not None
    start = next_week_at(18, 30)
    until = (start + timedelta(weeks=6)).date()
    values = form(
        f"Atelier vélo {slug}", start, ref=ref.group(1), repeat="WEEKLY", repeat_until=str(until)
    )

    sent = await http.post(f"{SPACE}/nouveau", data=values, headers=me)

    assert sent.status_code == 303
    assert sent.headers["location"].startswith(f"{SPACE}?publie=")
    event_id = sent.headers["location"].split("=", 1)[1]
    assert event_id.startswith("atelier-velo-")
    listing = page(await http.get(sent.headers["location"], headers=me))
    assert "Votre événement est publié" in listing
    assert f"Atelier vélo {slug}" in listing
    agenda = page(await http.get(f"/agenda?association={slug}"))
    assert date_fr(start).capitalize() in agenda
    assert "18 h 30 – 20 h 30" in agenda
    assert f'href="http://127.0.0.1:{http.base_url.port}/events/{slug}/{event_id}"' in agenda
    assert f"webcal://127.0.0.1:{http.base_url.port}/feeds/agenda.ics?association={slug}" in agenda
    uid = f"{slug}.{event_id}@vie-associative.besancon.fr"
    assert await feed_uids(http, f"association={slug}") == {uid}
    ics = (await http.get(f"/feeds/agenda.ics?association={slug}")).text
    assert f"RRULE:FREQ=WEEKLY;UNTIL={until:%Y%m%d}T" in ics

    again = await http.post(f"{SPACE}/nouveau", data=values, headers=me)  # sent twice
    assert again.headers["location"] == sent.headers["location"]
    assert await feed_uids(http, f"association={slug}") == {uid}


async def test_a_refused_event_form_comes_back_422_with_each_reason_by_its_field_as_typed(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    me = await as_association(directory, slug, token)
    start = next_week_at(20)
    shape = form(
        "",
        start,
        summary="Résumé <gardé>",
        place_postal_code="25",
        registration_url="ftp://inscription",
    )

    refused = page(await http.post(f"{SPACE}/nouveau", data=shape, headers=me), 422)

    assert error_of(refused, "title") == "Ce champ est obligatoire."
    assert error_of(refused, "place-postal-code") == "Le format n&#39;est pas valide."
    assert "http://" in error_of(refused, "registration-url")
    assert 'value="Résumé &lt;gardé&gt;"' in refused
    assert 'value="ftp://inscription"' in refused
    assert 'role="alert"' in refused

    rules = form(
        "Concert",
        start,
        end=local(start - timedelta(hours=1)),
        repeat="WEEKLY",
        themes=["inconnu"],
    )
    refused = page(await http.post(f"{SPACE}/nouveau", data=rules, headers=me), 422)
    assert error_of(refused, "end") == "La fin doit être après le début."
    assert "se terminer" in error_of(refused, "repeat-until")
    assert "inconnu" in error_of(refused, "themes")
    assert 'value="Concert"' in refused
    assert re.search(r'<option value="WEEKLY" selected>', refused)

    # The same words as the API's for the same body: one validation, not two.
    api = await http.post(
        f"/api/associations/{slug}/events",
        json=to_body(rules, "concert-x1y2", PARIS),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422
    reasons = {e["field"]: e["message"] for e in api.json()["errors"]}
    assert reasons["end"] == "La fin doit être après le début."
    assert reasons["rrule"] in error_of(refused, "repeat-until").replace("&#39;", "'")
    assert await feed_uids(http, f"association={slug}") == set()


async def test_an_association_edits_and_cancels_its_own_events_only(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    other, other_token = await signed_up(directory, http)
    me = await as_association(directory, slug, token)
    intruder = await as_association(directory, other, other_token)
    start = next_week_at(10)
    path = await published(http, slug, token, api_body("vide-grenier", "Vide-grenier", start))
    edit = f"{SPACE}/vide-grenier"

    assert page(await http.get(edit, headers=intruder), 403)
    changed = form("Vide-grenier piraté", start)
    assert (await http.post(edit, data=changed, headers=intruder)).status_code == 403
    assert (await http.post(f"{edit}/annuler", headers=intruder)).status_code == 403
    assert (await http.get(edit)).headers["location"].endswith("/espace-association/connexion")
    assert (await http.post(f"{edit}/annuler")).status_code == 401
    shown = page(await http.get(path))
    assert "Vide-grenier" in shown
    assert "piraté" not in shown
    assert "annulé" not in shown

    filled = page(await http.get(edit, headers=me))
    assert 'value="Vide-grenier"' in filled
    assert f'value="{local(start)}"' in filled
    saved = await http.post(edit, data=form("Grand vide-grenier", start), headers=me)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{SPACE}?modifie=vide-grenier"
    assert "Grand vide-grenier" in page(await http.get(path))

    confirm = page(await http.get(f"{edit}/annuler", headers=me))
    assert "Annuler « Grand vide-grenier »" in confirm
    cancelled = await http.post(f"{edit}/annuler", headers=me)
    assert cancelled.headers["location"] == f"{SPACE}?annule=vide-grenier"
    assert "Cet événement est annulé." in page(await http.get(path))
    assert "STATUS:CANCELLED" in (await http.get(f"/feeds/agenda.ics?association={slug}")).text


async def test_only_the_city_moderates_events_from_its_space(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    path = await published(
        http, slug, token, api_body("fete", "Fête de quartier", next_week_at(15))
    )
    hide = f"/espace-ville/evenements/{slug}/fete/masquer"
    uid = f"{slug}.fete@vie-associative.besancon.fr"

    assert (
        (await http.get("/espace-ville/evenements"))
        .headers["location"]
        .endswith("/espace-ville/connexion")
    )
    assert (await http.post(hide)).status_code == 401
    assert (await http.post(hide, headers=await as_city(directory, token))).status_code == 403
    assert (await http.get(path)).status_code == 200

    admin = await as_city(directory, ADMIN)
    listed = page(await http.get(f"/espace-ville/evenements?association={slug}", headers=admin))
    assert "Fête de quartier" in listed
    assert '/espace-ville/deconnexion"><button type="submit"' in listed  # sign out here too
    assert f'href="{hide}?retour=page%3D1"' in listed  # the reason is asked first
    asked = page(await http.get(f"{hide}?retour=page%3D1", headers=admin))
    assert 'name="motif"' in asked
    assert 'value="page=1"' in asked
    for typed in ({"retour": "page=1"}, {"motif": "  \n "}):  # an old form; only blanks
        refused = page(await http.post(hide, data=typed, headers=admin), 422)
        assert unescape(error_of(refused, "motif")) == MISSING_REASON
    long = page(await http.post(hide, data={"motif": "x" * 2001}, headers=admin), 422)
    assert error_of(long, "motif") == "Ce texte est trop long (2000 caractères au maximum)."
    assert "x" * 2001 in long  # the typed text is kept
    assert (await http.get(path)).status_code == 200
    reason = "Vente commerciale : hors du cadre de l'agenda associatif."
    hidden = await http.post(hide, data={"motif": reason, "retour": "page=1"}, headers=admin)
    assert hidden.status_code == 303
    assert hidden.headers["location"] == "/espace-ville/evenements?masque=1&page=1"
    assert (await http.get(path)).status_code == 404
    assert uid not in await feed_uids(http, f"association={slug}")
    listed = page(await http.get(f"/espace-ville/evenements?association={slug}", headers=admin))
    assert "Masqué par la Ville" in listed
    assert "Motif : Vente commerciale : hors du cadre de l&#39;agenda associatif." in listed
    mine = page(await http.get(SPACE, headers=await as_association(directory, slug, token)))
    assert "Motif : Vente commerciale" in mine  # the association sees it too

    shown = await http.post(f"/espace-ville/evenements/{slug}/fete/republier", headers=admin)
    assert shown.status_code == 303
    assert (await http.get(path)).status_code == 200


async def test_agenda_page_filters_like_the_feed_pages_and_refuses_bad_filters_in_french(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    theme = await directory.theme()
    start = next_week_at(9, days=3)
    await published(http, slug, token, api_body("tagged", "Avec thème", start, themes=[theme]))
    for n in range(31):
        body = api_body(f"e{n:02d}", f"Séance {n:02d}", start + timedelta(days=n, hours=1))
        await published(http, slug, token, body)

    chosen = page(await http.get(f"/agenda?association={slug}&theme={theme}"))
    assert "Avec thème" in chosen
    assert "Séance" not in chosen
    assert await feed_uids(http, f"association={slug}&theme={theme}") == {
        f"{slug}.tagged@vie-associative.besancon.fr"
    }
    first = page(await http.get(f"/agenda?association={slug}"))
    assert "Page 1 sur 2" in first
    assert "Séance 30" not in first
    second = page(await http.get(f"/agenda?association={slug}&page=2"))
    assert "Séance 30" in second
    assert "Avec thème" not in second

    refused = page(await http.get("/agenda?from=demain&audience=tous"), 422)
    assert error_of(refused, "from") == "Date invalide : le format attendu est AAAA-MM-JJ."
    assert "Valeur inconnue" in error_of(refused, "audience")
    backwards = page(await http.get("/agenda?from=2026-12-10&to=2026-12-01"), 422)
    assert "finir après son début" in error_of(backwards, "to")


async def test_event_page_is_on_the_shared_layout_with_its_json_ld(
    http: httpx.AsyncClient, directory: Directory
) -> None:
    slug, token = await signed_up(directory, http)
    path = await published(http, slug, token, api_body("bal", "Bal <folk>", next_week_at(21)))

    html = page(await http.get(path))

    assert '<main id="contenu"' in html
    assert 'aria-label="Navigation principale"' in html
    assert "Bal &lt;folk&gt;" in html
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(scripts[0])["name"] == "Bal <folk>"
    css = re.search(r'<link rel="stylesheet" href="(/static/site\.css\?v=\w+)">', html)
    assert css is not None
    stylesheet = await http.get(css.group(1))
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")
