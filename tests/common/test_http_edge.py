"""The edge guards of every service (libs/common/http: limits, origin, headers), over real
HTTP against the services running as processes (`services` fixture): bodies past the limit
are refused with a French 413 before they are read, whether declared, chunked or lied about;
a state-changing request from another site gets a French 403; every answer carries the
security headers, the agenda's cached feeds included."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.bodies import post
from tests.support.services import Services
from vieasso.common.http.limits import MAX_FORM_FIELDS, TOO_LARGE
from vieasso.common.http.origin import FOREIGN

MIB = 1024 * 1024
HTML = {"Accept": "text/html"}
EVIL = "https://malveillant.example"
# (service, write route): an API route and a page form of each service
API_ROUTES = [
    ("annuaire", "/api/associations"),
    ("agenda", "/api/associations/les-amis/events"),
    ("newsletter", "/api/subscriptions"),
]
PAGE_ROUTES = [
    ("annuaire", "/associations/inscription"),
    ("agenda", "/espace-association/evenements/nouveau"),
    ("newsletter", "/abonnement"),
]
pytestmark = pytest.mark.nats


def port(services: Services, name: str) -> int:
    return services.running[name].port


@pytest.mark.parametrize(("name", "path"), API_ROUTES)
def test_a_declared_oversize_body_gets_a_json_413_before_any_byte_is_sent(
    services: Services, name: str, path: str
) -> None:
    answer = post(port(services, name), path, size=0, declared=64 * MIB)

    assert answer.status == 413
    assert httpx.Response(413, content=answer.body).json() == {"detail": TOO_LARGE}


@pytest.mark.parametrize(("name", "path"), PAGE_ROUTES)
def test_a_person_sending_an_oversize_form_gets_a_french_413_page(
    services: Services, name: str, path: str
) -> None:
    answer = post(port(services, name), path, size=0, declared=64 * MIB, headers=HTML)

    assert answer.status == 413
    assert answer.headers["content-type"].startswith("text/html")
    page = answer.body.decode()
    assert '<html lang="fr">' in page
    assert "Envoi trop volumineux" in page


@pytest.mark.parametrize(("name", "path"), API_ROUTES)
def test_a_chunked_body_without_length_is_cut_at_the_limit(
    services: Services, name: str, path: str
) -> None:
    answer = post(
        port(services, name),
        path,
        size=8 * MIB,
        chunked=True,
        headers={"Content-Type": "application/json", **services.admin_headers},
    )

    assert answer.status == 413
    assert answer.sent < 8 * MIB  # the service answered before the end of the body
    assert services.running[name].health() == 200


def test_a_body_longer_than_its_content_length_is_read_only_as_far_as_declared(
    services: Services,
) -> None:
    svc = services.running["newsletter"]
    answer = post(
        svc.port,
        "/api/subscriptions",
        size=2 * MIB,
        declared=2,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 422  # `{}`-less 2 bytes: invalid JSON, nothing more was parsed
    assert svc.health() == 200


def test_the_newsletter_form_is_refused_past_64_kib_while_it_streams(services: Services) -> None:
    answer = post(
        port(services, "newsletter"),
        "/abonnement",
        size=4 * MIB,
        chunked=True,
        headers={"Content-Type": "application/x-www-form-urlencoded", **HTML},
    )

    assert answer.status == 413
    assert "Envoi trop volumineux" in answer.body.decode()


def test_a_form_with_too_many_fields_is_refused(services: Services) -> None:
    fields = "&".join(f"champ{i}=x" for i in range(MAX_FORM_FIELDS + 1))
    response = httpx.post(
        services.url("annuaire") + "/associations/inscription",
        content=fields,
        headers={"Content-Type": "application/x-www-form-urlencoded", **HTML},
    )

    assert response.status_code == 413
    assert "Formulaire refusé" in response.text


def test_a_form_with_too_many_fields_for_form_parameters_is_refused_in_french(
    services: Services,
) -> None:
    fields = "&".join(f"champ{i}=x" for i in range(MAX_FORM_FIELDS + 1))
    response = httpx.post(
        services.url("annuaire") + "/espace-ville/connexion",  # `Form()` parameters
        content=fields,
        headers={"Content-Type": "application/x-www-form-urlencoded", **HTML},
    )

    assert response.status_code == 413
    assert "Formulaire refusé" in response.text


# --- cross-origin guard ---------------------------------------------------------------------


def sign_in(services: Services, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        services.url("annuaire") + "/espace-association/connexion",
        data={"slug": "les-amis", "token": "pas-le-bon"},
        headers={**HTML, **headers},
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": EVIL},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://autre-site.besancon.fr"},
    ],
    ids=["foreign-origin", "null-origin", "cross-site", "both", "same-site-other-host"],
)
def test_a_sign_in_posted_from_another_site_is_refused(
    services: Services, headers: dict[str, str]
) -> None:
    response = sign_in(services, headers)

    assert response.status_code == 403
    assert '<html lang="fr">' in response.text
    assert "vient d’un autre site" in response.text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}],
    ids=["no-header", "same-origin", "typed-url"],
)
def test_a_sign_in_posted_from_the_site_itself_goes_through(
    services: Services, headers: dict[str, str]
) -> None:
    own = services.url("annuaire")
    response = sign_in(services, {"Origin": own, **headers})
    without_origin = sign_in(services, headers)

    assert response.status_code != 403
    assert without_origin.status_code != 403


def test_a_form_posted_from_another_services_port_in_development_goes_through(
    services: Services,
) -> None:
    annuaire_page = "http://127.0.0.1:8001"  # the annuaire's default port: one of the site's
    response = httpx.post(
        services.url("newsletter") + "/abonnement",
        data={"email": "pas-une-adresse"},
        headers={"Origin": annuaire_page, "Sec-Fetch-Site": "same-site", **HTML},
    )

    assert response.status_code != 403


def test_an_api_call_from_another_site_gets_a_json_403(services: Services) -> None:
    response = httpx.post(
        services.url("newsletter") + "/api/subscriptions",
        json={"email": "resident@exemple.fr", "topics": ["evenements"]},
        headers={"Origin": EVIL},
    )

    assert response.status_code == 403
    assert response.json() == {"detail": FOREIGN}


def test_the_one_click_unsubscription_of_mail_providers_is_not_refused(
    services: Services,
) -> None:
    response = httpx.post(
        services.url("newsletter") + "/desabonnement?token=jeton-invalide-0123456789",
        content="List-Unsubscribe=One-Click",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": EVIL,
            "Sec-Fetch-Site": "cross-site",
        },
    )

    assert response.status_code not in {403, 500}


# --- security headers -----------------------------------------------------------------------

PAGES = [("annuaire", "/"), ("agenda", "/agenda"), ("newsletter", "/abonnement")]


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_every_page_carries_the_security_headers(services: Services, name: str, path: str) -> None:
    response = httpx.get(services.url(name) + path, headers=HTML)

    csp = response.headers["content-security-policy"]
    assert "script-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in response.headers  # http: browsers ignore it


def test_refusals_carry_the_security_headers_too(services: Services) -> None:
    response = sign_in(services, {"Origin": EVIL})

    assert response.status_code == 403
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_agendas_cached_feeds_keep_their_validators_and_get_the_headers(
    services: Services,
) -> None:
    url = services.url("agenda") + "/feeds/agenda.ics"
    first = httpx.get(url)  # rendered by the route
    cached = httpx.get(url)  # answered by the fast path
    again = httpx.get(url, headers={"If-None-Match": cached.headers["etag"]})

    for response in (first, cached, again):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "script-src 'none'" in response.headers["content-security-policy"]
        assert len(response.headers.get_list("content-security-policy")) == 1
    assert cached.content == first.content
    assert cached.headers["etag"] == first.headers["etag"]
    assert again.status_code == 304


def test_the_api_docs_page_gets_a_csp_that_lets_swagger_run(services: Services) -> None:
    response = httpx.get(services.url("annuaire") + "/docs")

    csp = response.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "'unsafe-inline'" in csp
    assert urlsplit(services.url("annuaire")).scheme == "http"
