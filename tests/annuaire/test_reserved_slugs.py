"""An association never gets a slug that a route uses where slugs are read
(`/associations/inscription`): it gets the next free one, as on a collision."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts

from tests.annuaire.conftest import running_annuaire
from tests.annuaire.test_import_cli import CITY_HEADER, city_row, run, write
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from vieasso.agenda.bootstrap import create_app as agenda_app
from vieasso.annuaire.bootstrap import create_app as annuaire_app
from vieasso.annuaire.domain.rules import RESERVED_SLUGS
from vieasso.newsletter.bootstrap import create_app as newsletter_app

CADDYFILE = Path(__file__).parents[2] / "deploy" / "proxy" / "Caddyfile"
# `{slug}` names a venue there, not an association.
NOT_ASSOCIATION_SLUGS = ("/api/venues/",)


def _route_paths() -> set[str]:
    """Every route of the three services, and every path the proxy routes."""
    paths = {
        route.path
        for create in (annuaire_app, agenda_app, newsletter_app)
        for route in iter_route_contexts(create().routes)
        if route.path is not None
    }
    proxied = re.findall(r"(?<=\s)/[^\s{}]*", CADDYFILE.read_text(encoding="utf-8"))
    return paths | {p.replace("[^/]+", "{slug}") for p in proxied}


def _literal_segments_where_slugs_are_read(paths: set[str]) -> set[str]:
    prefixes = {
        path[: path.index("{slug}")]
        for path in paths
        if "{slug}" in path and not path.startswith(NOT_ASSOCIATION_SLUGS)
    }
    found = set()
    for path in paths:
        for prefix in prefixes:
            segment = path.removeprefix(prefix).split("/")[0].split(".")[0]
            if path.startswith(prefix) and segment and not segment.startswith(("{", "*", "^")):
                found.add(segment)
    return found


def test_every_route_segment_where_a_slug_is_read_is_reserved() -> None:
    segments = _literal_segments_where_slugs_are_read(_route_paths())
    assert "inscription" in segments  # the derivation does see /associations/inscription
    assert segments <= RESERVED_SLUGS


@pytest.mark.nats
async def test_an_association_named_like_a_page_gets_the_next_slug_and_its_own_page(
    own_nats: NatsServer,
) -> None:
    async with running_annuaire(own_nats.url) as annuaire:
        first = await annuaire.register(name="Inscription")
        second = await annuaire.register(name="Inscription")
        assert (first["slug"], second["slug"]) == ("inscription-2", "inscription-3")
        validated = await annuaire.http.post(
            "/api/associations/inscription-2/validate", headers=annuaire.admin
        )
        assert validated.status_code == 200, validated.text
        page = assert_french_page(await annuaire.http.get("/associations/inscription-2"))
        assert "<h1>Inscription</h1>" in page
        form = assert_french_page(await annuaire.http.get("/associations/inscription"))
        assert "Inscrire une association" in form
        api = await annuaire.http.get("/api/associations/inscription-2")
        assert api.status_code == 200
        assert api.json()["name"] == "Inscription"


@pytest.mark.nats
def test_importing_an_association_named_like_a_page_twice_creates_it_once(
    own_nats: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", own_nats.url)
    monkeypatch.setenv("VIEASSO_LOG_JSON", "false")
    path = write(tmp_path / "ville.csv", CITY_HEADER, [city_row("Inscription")])
    report = tmp_path / "rapport.csv"
    rows: list[dict[str, str]] = []
    for _ in range(2):
        code, output = run(str(path), "--rapport", str(report))
        assert code == 0, output
        rows.extend(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["resultat"], r["association"]) for r in rows] == [
        ("créée", "inscription-2"),
        ("inchangée", "inscription-2"),
    ]
