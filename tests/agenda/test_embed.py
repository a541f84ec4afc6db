"""Embeds (issue 14, item 6): `/embed/agenda` may be framed by other sites, the rest of the
site may not; `/integrer` builds the snippet; the public feeds answer other sites' scripts
(CORS, GET only, no credentials). The browser's view is tests/web/test_embed.py."""

from __future__ import annotations

import html
import re
import secrets

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, submission, wait_for
from tests.support.sessions import session_cookie
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.config import AgendaSettings
from vieasso.common.web import Kind

pytestmark = pytest.mark.nats
OTHER_SITE = "https://asso-du-doubs.example"


def frame_ancestors(csp: str) -> str:
    found = re.search(r"frame-ancestors ([^;]+)", csp)
    assert found is not None, csp
    return found.group(1).strip()


async def test_the_embed_lists_the_chosen_events_and_may_be_framed_by_other_sites(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    other = await directory.association()
    await applied(agenda, js, submission(slug, "repair", title="Repair café"))
    await applied(agenda, js, submission(other, "loto", title="Loto d'un autre"))

    response = await agenda.client.get(f"/embed/agenda?association={slug}&nombre=5")
    assert response.status_code == 200
    assert frame_ancestors(response.headers["content-security-policy"]) == "*"
    assert "x-frame-options" not in response.headers
    assert "set-cookie" not in response.headers
    assert "script-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert f"Les événements de Les Amis de {slug}" in page
    assert "Repair café" in page
    assert "Loto" not in page
    base = agenda.wiring.feeds.public_url
    assert f'href="{base}/events/{slug}/repair" target="_blank" rel="noopener"' in page
    assert "<nav" not in page  # no site navigation inside somebody else's page
    assert "<form" not in page


async def test_the_rest_of_the_site_keeps_refusing_frames(agenda: Running) -> None:
    for path in ("/agenda", "/integrer", "/embed/agenda/x", "/feeds/agenda.ics"):
        response = await agenda.client.get(path)
        csp = response.headers["content-security-policy"]
        assert frame_ancestors(csp) == "'none'", path
        assert response.headers["x-frame-options"] == "DENY", path


async def test_a_wrong_embed_link_says_so_in_french_and_stays_framable(agenda: Running) -> None:
    response = await agenda.client.get("/embed/agenda?nombre=500&from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Ce lien d'intégration est incorrect : « nombre » : La valeur doit être" in text
    assert frame_ancestors(response.headers["content-security-policy"]) == "*"


def test_the_embed_ancestors_setting_restricts_to_the_sites_named() -> None:
    def ancestors(value: str) -> str:
        return AgendaSettings(agenda_embed_ancestors=value).embed_ancestors()

    assert ancestors("*") == "*"
    assert ancestors(OTHER_SITE) == f"'self' {OTHER_SITE}"  # /integrer's preview stays
    assert ancestors("none") == "'self'"
    assert ancestors("self https://a.example") == "'self' https://a.example"


async def test_integrer_builds_the_snippet_of_an_associations_events(
    agenda: Running, directory: Directory
) -> None:
    slug = await directory.association()
    theme = await directory.theme()
    response = await agenda.client.get(f"/integrer?association={slug}&theme={theme}&nombre=5")
    assert response.status_code == 200
    assert frame_ancestors(response.headers["content-security-policy"]) == "'none'"
    base = agenda.wiring.feeds.public_url
    src = f"{base}/embed/agenda?association={slug}&theme={theme}&nombre=5"
    snippet = (
        f'<iframe src="{html.escape(src)}" title="Les événements de Les Amis de {slug}" '
        'width="100%" height="600" style="border:0" loading="lazy" '
        'referrerpolicy="strict-origin-when-cross-origin"></iframe>'
    )
    shown = re.search(r'<textarea id="f-code"[^>]*>([^<]*)</textarea>', response.text)
    assert shown is not None
    assert html.unescape(shown.group(1)) == snippet  # shown as text, to copy
    assert f'<iframe src="{html.escape(src)}"' in response.text  # and previewed
    assert f"/feeds/agenda.csv?association={slug}&amp;theme={theme}" in response.text

    refused = await agenda.client.get("/integrer?hauteur=5&nombre=0")
    assert refused.status_code == 422
    summary = html.unescape(refused.text)
    assert "Hauteur du cadre" in summary
    assert "Nombre d'événements" in summary


async def test_public_feeds_answer_other_sites_scripts_without_credentials(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "repair"))
    asked = {"Origin": OTHER_SITE}
    for path in (
        f"/feeds/agenda.jsonld?association={slug}",
        f"/feeds/agenda.jsonld?association={slug}",  # again: from the fast path
        f"/feeds/associations/{slug}.ics",
        "/feeds/agenda.csv",
        f"/events/{slug}/repair.ics",
    ):
        response = await agenda.client.get(path, headers=asked)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in response.headers
        assert "ETag" in response.headers["access-control-expose-headers"]

    preflight = await agenda.client.options(
        "/feeds/agenda.jsonld",
        headers={**asked, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "if-none-match"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]

    writing = await agenda.client.options(
        "/feeds/agenda.jsonld", headers={**asked, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in writing.headers
    for path in ("/agenda", f"/events/{slug}/repair", "/embed/agenda"):  # pages: no CORS
        page = await agenda.client.get(path, headers=asked)
        assert "access-control-allow-origin" not in page.headers, path
    api = await agenda.client.post(f"/api/associations/{slug}/events", json={}, headers=asked)
    assert "access-control-allow-origin" not in api.headers


async def test_the_agenda_page_links_to_integrer_with_its_selection(
    agenda: Running, directory: Directory
) -> None:
    theme = await directory.theme()
    page = await agenda.client.get(f"/agenda?theme={theme}")
    assert f'href="/integrer?theme={theme}"' in page.text


async def test_the_association_space_links_to_integrer_with_its_own_events(
    agenda: Running, directory: Directory
) -> None:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="the association")
    signed_in = await session_cookie(
        directory.js, Kind.ASSOCIATION, token, slug, clock=agenda.clock, settings=agenda.settings
    )
    space = await agenda.client.get("/espace-association/evenements", headers=signed_in)
    assert space.status_code == 200, space.text[-500:]
    assert f'href="/integrer?association={slug}"' in space.text
