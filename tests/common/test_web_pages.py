"""The shared page layer: layout, French filters, form macros, stylesheet route."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from vieasso.common.settings import Settings
from vieasso.common.web import mount_static, page_templates
from vieasso.common.web.dates import date_fr, datetime_fr, heure_fr

SETTINGS = Settings(http_host="127.0.0.1", annuaire_port=18001, agenda_port=18002)


def _client(app: FastAPI, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def _service_dir(tmp_path: Path, page: str) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html.j2").write_text(page, encoding="utf-8")
    return tmp_path


def test_dates_and_times_read_in_french_in_besancon_time() -> None:
    assert date_fr(date(2026, 12, 7)) == "lundi 7 décembre 2026"
    evening = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)  # 19 h 30 in Paris (winter)
    assert heure_fr(evening) == "19 h 30"
    assert heure_fr(time(9, 5)) == "9 h 05"
    assert heure_fr(time(19, 0)) == "19 h"
    assert datetime_fr(evening) == "lundi 7 décembre 2026 à 19 h 30"
    assert date_fr(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == "mardi 8 décembre 2026"
    assert date_fr(None) == heure_fr(None) == datetime_fr(None) == ""


def test_a_service_page_extends_the_layout_with_links_to_every_service(tmp_path: Path) -> None:
    page = (
        '{% extends "layout.html.j2" %}{% block title %}Essai{% endblock %}'
        "{% block content %}<h1>{{ titre }}</h1><p>{{ quand | date_fr }}</p>{% endblock %}"
    )
    templates = page_templates(_service_dir(tmp_path, page), SETTINGS)
    html = templates.get_template("page.html.j2").render(
        titre="<script>alert(1)</script>", quand=date(2026, 12, 7)
    )
    assert '<html lang="fr">' in html
    assert "<title>Essai</title>" in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert "lundi 7 décembre 2026" in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'href="#contenu"' in html
    assert 'id="contenu"' in html
    assert 'href="http://127.0.0.1:18001/associations"' in html
    assert 'href="http://127.0.0.1:18002/agenda"' in html
    assert 'href="http://127.0.0.1:8003/abonnement"' in html
    assert 'href="http://127.0.0.1:8004/materiel"' in html
    for label in ("Missions bénévoles", "Matériel et salles", "Espace association", "Espace ville"):
        assert label in html


def test_the_service_templates_come_before_the_common_ones(tmp_path: Path) -> None:
    service_dir = _service_dir(tmp_path, "x")
    (service_dir / "templates" / "layout.html.j2").write_text("mise en page du service")
    templates = page_templates(service_dir / "templates", SETTINGS)
    assert templates.get_template("layout.html.j2").render() == "mise en page du service"


def test_form_fields_keep_the_value_and_show_the_error_beside_them(tmp_path: Path) -> None:
    page = (
        '{% import "_forms.html.j2" as forms %}'
        '{{ forms.errors_summary(errors, {"name": "Nom"}) }}'
        '{{ forms.field("name", "Nom", value, errors, required=true) }}'
        '{{ forms.field("email", "Courriel", "", errors, type="email") }}'
        '{{ forms.textarea("purpose", "Objet", "Animer\nle quartier", errors) }}'
        '{{ forms.select("quartier", "Quartier", [("battant", "Battant")], "battant", errors) }}'
        '{{ forms.checkboxes("themes", "Thèmes", [("sport", "Sport"), ("culture", "Culture")],'
        ' ["culture"], errors) }}'
        '{{ forms.checkbox("employs_staff", "Emploie des salariés", true) }}'
    )
    templates = page_templates(_service_dir(tmp_path, page), SETTINGS)
    html = templates.get_template("page.html.j2").render(
        value='Les "Amis" <b>', errors={"name": "Ce champ est trop court.", "themes": "Inconnu."}
    )
    assert 'value="Les &#34;Amis&#34; &lt;b&gt;"' in html
    name_input = re.search(r"<input id=\"f-name\"[^>]*>", html)
    assert name_input is not None
    assert 'aria-invalid="true"' in name_input.group(0)
    assert 'aria-describedby="f-name-erreur"' in name_input.group(0)
    assert '<p class="erreur" id="f-name-erreur">Ce champ est trop court.</p>' in html
    assert 'role="alert"' in html
    assert '<a href="#f-name">Nom</a>' in html
    email_input = re.search(r"<input id=\"f-email\"[^>]*>", html)
    assert email_input is not None
    assert "aria-invalid" not in email_input.group(0)
    assert ">Animer\nle quartier</textarea>" in html
    assert '<option value="battant" selected>' in html
    assert 'value="culture" checked' in html
    assert 'value="sport" checked' not in html
    assert 'id="f-themes-erreur">Inconnu.' in html
    for field_id in ("f-name", "f-email", "f-purpose", "f-quartier", "f-employs-staff"):
        assert f'<label for="{field_id}">' in html


def test_a_hint_is_read_before_the_input_and_described_by_it(tmp_path: Path) -> None:
    page = (
        '{% import "_forms.html.j2" as forms %}'
        '{{ forms.field("postal_code", "Code postal", "2500", errors, hint="5 chiffres") }}'
    )
    templates = page_templates(_service_dir(tmp_path, page), SETTINGS)
    html = templates.get_template("page.html.j2").render(errors={"postal_code": "Invalide."})
    assert html.index('id="f-postal-code-aide"') < html.index("<input")
    assert html.index("<input") < html.index('id="f-postal-code-erreur"')
    assert 'aria-describedby="f-postal-code-aide f-postal-code-erreur"' in html


async def test_every_service_serves_the_same_stylesheet_with_a_long_cache(tmp_path: Path) -> None:
    page = '{% extends "layout.html.j2" %}'
    templates = page_templates(_service_dir(tmp_path, page), SETTINGS)
    app = FastAPI()
    mount_static(app)

    @app.get("/")
    async def home(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "page.html.j2")

    async with _client(app) as client:
        html = (await client.get("/")).text
        href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert href is not None
        assert href.group(1).startswith("/static/site.css?v=")
        answer = await client.get(href.group(1))
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/css")
        assert "max-age=31536000" in answer.headers["cache-control"]
        assert ":focus-visible" in answer.text
        again = await client.get(
            "/static/site.css", headers={"If-None-Match": answer.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert 'aria-current="page"' in html  # "/" is the home page of the nav
