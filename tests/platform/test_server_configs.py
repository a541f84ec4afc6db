"""Every server configuration we ship: NATS configs fsync every write and are accepted by
nats-server; the Caddyfile routes each path to its service and passes responses untouched;
docker-compose.yml wires the cluster, the services and the proxy together.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.processes import nats_config
from tests.platform.conftest import Scenario
from tests.security.secured_nats import SecuredNats
from tests.support.bodies import post
from tests.support.caddy import (
    CADDY,
    CADDYFILE,
    FEED_BODY,
    FEED_ETAG,
    FEED_GZIP,
    OWN_CSP,
    CaddyProxy,
    FakeService,
)
from tests.support.nats_cluster import CLUSTER_CONF, NatsCluster
from tests.support.nats_server import NATS_SERVER, NatsServer
from tests.support.processes import REPO
from tests.support.services import SERVICE_CONTAINERS, SERVICES, containers
from vieasso.agenda.config import AgendaSettings
from vieasso.aides.config import AidesSettings
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.common.nats.permissions import render_accounts_conf
from vieasso.common.settings import Settings
from vieasso.newsletter.config import NewsletterSettings
from vieasso.ressources.config import RessourcesSettings

NATS_DIR = REPO / "deploy" / "nats"
SERVICE_SETTINGS: tuple[type[Settings], ...] = (
    AnnuaireSettings,
    AgendaSettings,
    NewsletterSettings,
    RessourcesSettings,
    AidesSettings,
)


# --- NATS ----------------------------------------------------------------------------------


def without_comments(conf: str) -> str:
    return "\n".join(re.sub(r"(#|//).*", "", line) for line in conf.splitlines())


def included_files(conf: str) -> set[str]:
    return set(re.findall(r'^\s*include\s+"?([^"\s]+)"?', without_comments(conf), re.MULTILINE))


def shipped_nats_configs(tmp_path: Path) -> dict[str, Path]:
    """deploy/nats/*.conf (less the fragments they include), the copy of dev.conf `make run`
    writes when var/ is elsewhere, and the configs the tests generate (plain and secured)."""
    files = sorted(NATS_DIR.glob("*.conf"))
    fragments = set().union(*(included_files(f.read_text()) for f in files))
    configs = {f.name: f for f in files if f.name not in fragments}
    generated = tmp_path / "tests-support.conf"
    generated.write_text(NatsServer(workdir=tmp_path, port=4222, monitor_port=8222).config())
    configs["tests/support/nats_server.py"] = generated
    secured = SecuredNats(workdir=tmp_path, port=4222, monitor_port=8222)
    (tmp_path / "secured.conf").write_text(secured.config())
    (tmp_path / "accounts.conf").write_text(render_accounts_conf())
    configs["tests/security/secured_nats.py"] = tmp_path / "secured.conf"
    configs["devtools/processes.py (make run, var/ elsewhere)"] = nats_config(tmp_path / "var")
    return configs


# Every place that starts nats-server, and the config it starts it with (checked above).
NATS_LAUNCHERS = {
    "tests/support/nats_server.py",  # NatsServer.config()
    "tests/support/nats_cluster.py",  # deploy/nats/cluster.conf
    "tests/security/secured_nats.py",  # NatsServer.config() + accounts.conf
    "devtools/processes.py",  # deploy/nats/dev.conf or its copy (nats_config)
    "tests/platform/test_server_configs.py",  # only `nats-server -t` and `--version`
}


def test_every_process_that_starts_nats_server_uses_a_config_checked_here() -> None:
    launch = re.compile(r'/ "nats-server"|str\(NATS_SERVER\)|"-js"|"--jetstream"')
    found = {
        str(path.relative_to(REPO))
        for folder in ("libs", "services", "tests", "devtools", "bench")
        for path in (REPO / folder).rglob("*.py")
        if launch.search(path.read_text(errors="replace"))
    }
    assert found <= NATS_LAUNCHERS, f"new nats-server launcher(s): {found - NATS_LAUNCHERS}"
    cluster = (REPO / "tests/support/nats_cluster.py").read_text()
    assert '[str(NATS_SERVER), "-c", str(CLUSTER_CONF)]' in cluster
    devtools = (REPO / "devtools/processes.py").read_text()
    assert '"nats-server"), "-c", str(nats_config(var))]' in devtools


async def test_the_secured_test_server_runs_with_sync_always(tmp_path: Path) -> None:
    server = SecuredNats(workdir=tmp_path / "secured").start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.monitor_port, timeout=5)
        conn.request("GET", "/jsz")
        assert json.loads(conn.getresponse().read())["config"]["sync_always"] is True
    finally:
        server.stop()


def test_we_ship_a_dev_and_a_cluster_nats_config(tmp_path: Path) -> None:
    assert {"dev.conf", "cluster.conf"} <= set(shipped_nats_configs(tmp_path))


def test_every_shipped_nats_config_fsyncs_each_write_before_acknowledging(
    tmp_path: Path, scenario: Scenario
) -> None:
    scenario.describe(
        name="sync_interval: always in every NATS config we ship",
        load="deploy/nats (dev, cluster), make run's copy, the tests' plain and secured servers",
        faults="—",
        inputs="each config file (and a scan for any other nats-server launcher)",
        checked="a jetstream block with sync_interval: always in each; nats-server -t accepts "
        "them; running servers report sync_always",
    )
    scenario.figure("configs checked", len(shipped_nats_configs(tmp_path)))
    jetstream_syncs_always = re.compile(
        r"jetstream\s*[:=]?\s*\{[^}]*\bsync_interval\s*[:=]\s*always\b", re.DOTALL
    )
    for name, path in shipped_nats_configs(tmp_path).items():
        assert jetstream_syncs_always.search(without_comments(path.read_text())), name


def test_nats_server_accepts_every_shipped_config(tmp_path: Path) -> None:
    env = NatsCluster.create(tmp_path / "cluster").nodes[0].env()
    for name, path in shipped_nats_configs(tmp_path).items():
        result = subprocess.run(
            [str(NATS_SERVER), "-t", "-c", str(path)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"


def test_cluster_conf_refuses_to_start_without_its_environment(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(NATS_SERVER), "-t", "-c", str(CLUSTER_CONF)],
        env={},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "NATS_SERVER_NAME" in result.stdout + result.stderr


@pytest.mark.nats
def test_the_tests_nats_server_runs_with_sync_always(nats_server: NatsServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", nats_server.monitor_port, timeout=5)
    conn.request("GET", "/jsz")
    jsz = json.loads(conn.getresponse().read())
    assert jsz["config"]["sync_always"] is True


# --- Reverse proxy -------------------------------------------------------------------------


def test_caddy_validates_the_proxy_config(tmp_path: Path) -> None:
    proxy = CaddyProxy(tmp_path, {})
    result = subprocess.run(
        [str(CADDY), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=proxy.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, FakeService]]:
    fakes = {name: FakeService(name).start() for name in SERVICES}
    yield fakes
    for fake in fakes.values():
        fake.stop()


@pytest.fixture(scope="module")
def proxy(
    services: dict[str, FakeService], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CaddyProxy]:
    upstreams = {name: fake.address for name, fake in services.items()}
    proxy = CaddyProxy(tmp_path_factory.mktemp("caddy"), upstreams)
    try:
        yield proxy.start()
    finally:
        proxy.stop()


def request(
    proxy: CaddyProxy, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    """One raw request with exactly `headers` (no default Accept-Encoding, no decoding)."""
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


ROUTES = [
    ("GET", "/entraide", "ressources"),
    ("GET", "/entraide/annonce-1", "ressources"),
    ("GET", "/entraide.rss", "ressources"),
    ("GET", "/entraide.atom", "ressources"),
    ("GET", "/espace-association/entraide", "ressources"),
    ("POST", "/espace-association/entraide/fils/annonce-1/amis-du-doubs", "ressources"),
    ("GET", "/espace-ville/entraide", "ressources"),
    ("GET", "/api/annonces/compteurs", "ressources"),
    ("GET", "/export/annonces.csv", "ressources"),
    ("GET", "/export/annonces.json", "ressources"),
    ("GET", "/export/aides.csv", "aides"),
    ("GET", "/export/aides.json", "aides"),
    ("GET", "/export/aides-attributions.csv", "aides"),
    ("POST", "/api/associations", "annuaire"),
    ("GET", "/api/associations?theme=sport", "annuaire"),
    ("PATCH", "/api/associations/les-amis-du-doubs", "annuaire"),
    ("POST", "/api/associations/les-amis-du-doubs/validate", "annuaire"),
    ("GET", "/api/associations/les-amis-du-doubs/missions", "annuaire"),
    ("GET", "/api/missions?remote=possible", "annuaire"),
    ("GET", "/api/venues", "annuaire"),
    ("GET", "/api/themes", "annuaire"),
    ("GET", "/api/quartiers", "annuaire"),
    ("GET", "/export/associations.csv", "annuaire"),
    ("POST", "/api/associations/les-amis-du-doubs/events", "agenda"),
    ("POST", "/api/associations/les-amis-du-doubs/images", "agenda"),
    ("GET", "/images/3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8b/960.webp", "agenda"),
    ("DELETE", "/api/associations/les-amis-du-doubs/events/concert-2026", "agenda"),
    ("GET", "/feeds/agenda.jsonld?theme=culture", "agenda"),
    ("GET", "/events/les-amis-du-doubs/concert-2026", "agenda"),
    ("POST", "/api/events/les-amis-du-doubs/concert-2026/unpublish", "agenda"),
    ("GET", "/feeds/agenda.csv?theme=culture", "agenda"),
    ("GET", "/feeds/lieux.csv", "agenda"),
    ("GET", "/embed/agenda?association=les-amis-du-doubs&nombre=5", "agenda"),
    ("GET", "/integrer?association=les-amis-du-doubs", "agenda"),
    ("GET", "/abonnement", "newsletter"),
    ("GET", "/abonnement/confirmer?token=abc", "newsletter"),
    ("GET", "/preferences?token=abc", "newsletter"),
    ("POST", "/desabonnement?token=abc", "newsletter"),
    ("GET", "/archives", "newsletter"),
    ("GET", "/archives/2026-w48", "newsletter"),
    ("POST", "/lettre-des-associations/desabonnement?token=abc", "newsletter"),
    ("GET", "/lettre-des-associations/archives", "newsletter"),
    ("GET", "/lettre-des-associations/archives/associations-2026-m12", "newsletter"),
    ("GET", "/espace-ville/courriers", "newsletter"),
    ("GET", "/espace-ville/courriers/bienvenue", "newsletter"),
    ("POST", "/api/subscriptions", "newsletter"),
    ("GET", "/api/editions/2026-w48", "newsletter"),
    ("GET", "/donnees?token=abc", "newsletter"),
    ("POST", "/donnees/effacer", "newsletter"),
    ("GET", "/espace-ville/lettre?frequence=mensuelle", "newsletter"),
    ("GET", "/espace-ville/lettre/apercu", "newsletter"),
    ("POST", "/espace-ville/lettre/envoyer", "newsletter"),
    ("GET", "/espace-ville/lettre/2026-w48", "newsletter"),
    ("GET", "/", "annuaire"),
    ("GET", "/static/site.css?v=0123456789ab", "annuaire"),
    ("GET", "/associations?q=theatre&quartier=battant", "annuaire"),
    ("GET", "/associations/les-amis-du-doubs", "annuaire"),
    ("POST", "/associations/inscription", "annuaire"),
    ("GET", "/missions?kind=ponctuelle", "annuaire"),
    ("GET", "/missions/les-amis-du-doubs-buvette", "annuaire"),
    ("POST", "/espace-association/connexion", "annuaire"),
    ("GET", "/espace-association", "annuaire"),
    ("POST", "/espace-association/fiche", "annuaire"),
    ("POST", "/espace-association/missions/les-amis-du-doubs-buvette/clore", "annuaire"),
    ("GET", "/espace-ville", "annuaire"),
    ("POST", "/espace-ville/associations/les-amis-du-doubs/valider", "annuaire"),
    ("POST", "/espace-ville/deconnexion", "annuaire"),
    ("POST", "/espace-association/deconnexion", "annuaire"),
    ("GET", "/agenda?theme=culture&from=2026-12-01", "agenda"),
    ("GET", "/espace-association/evenements", "agenda"),
    ("POST", "/espace-association/evenements/nouveau", "agenda"),
    ("POST", "/espace-association/evenements/concert-2026/annuler", "agenda"),
    ("GET", "/espace-ville/evenements?page=2", "agenda"),
    ("POST", "/espace-ville/evenements/les-amis-du-doubs/concert-2026/masquer", "agenda"),
    # the city's screens and the associations' announcements (issue 14)
    ("GET", "/ecrans", "agenda"),
    ("POST", "/ecrans/hall-de-la-mairie/supprimer", "agenda"),
    ("POST", "/ecrans/annonces/0f3a/refuser", "agenda"),
    ("GET", "/ecran/hall-de-la-mairie", "agenda"),
    ("GET", "/ecran/hall-de-la-mairie/contenu", "agenda"),
    ("GET", "/ecran/hall-de-la-mairie.json", "agenda"),
    ("GET", "/static/ecran/ecran.js?v=0123456789ab", "agenda"),
    ("GET", "/espace-association/annonces", "agenda"),
    ("POST", "/espace-association/annonces/0f3a/retirer", "agenda"),
    # The ressources (issue 15): its loan API under /api/associations/{slug}/prets comes
    # before the annuaire's /api/associations/*, its feeds before the agenda's /feeds/*.
    ("GET", "/materiel", "ressources"),
    ("GET", "/materiel/barnum-3x3?du=2027-05-01&au=2027-05-02", "ressources"),
    ("GET", "/salles", "ressources"),
    ("GET", "/salles/kursaal-salle-1", "ressources"),
    ("GET", "/espace-association/reservations", "ressources"),
    ("POST", "/espace-association/reservations/nouvelle", "ressources"),
    ("POST", "/espace-association/reservations/0f3a/annuler", "ressources"),
    ("GET", "/espace-ville/prets?etat=demande", "ressources"),
    ("POST", "/espace-ville/prets/0f3a/approuver", "ressources"),
    ("GET", "/espace-ville/prets/export.csv", "ressources"),
    ("GET", "/espace-ville/materiel", "ressources"),
    ("POST", "/espace-ville/materiel/nouveau", "ressources"),
    ("GET", "/espace-ville/salles", "ressources"),
    ("GET", "/feeds/materiel/barnum-3x3.ics", "ressources"),
    ("GET", "/feeds/salles/kursaal-salle-1.ics", "ressources"),
    ("GET", "/api/disponibilites?du=2027-05-01&au=2027-05-02", "ressources"),
    ("GET", "/api/catalogue", "ressources"),
    ("POST", "/api/catalogue/images", "ressources"),  # the catalogue's photos
    ("GET", "/materiel/images/3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8b/960.webp", "ressources"),
    ("GET", "/api/catalogue/barnum-3x3", "ressources"),
    ("GET", "/api/prets", "ressources"),
    ("POST", "/api/prets/0f3a/approve", "ressources"),
    ("POST", "/api/associations/les-amis-du-doubs/prets", "ressources"),
    ("GET", "/api/associations/les-amis-du-doubs/prets/0f3a", "ressources"),
    ("DELETE", "/api/associations/les-amis-du-doubs/prets/0f3a", "ressources"),
    ("GET", "/api/associations/prets", "annuaire"),  # an association whose slug is "prets"
    ("GET", "/api/associations/les-amis-du-doubs/pretsx", "annuaire"),
    ("GET", "/feeds/associations/les-amis-du-doubs.ics", "agenda"),
    ("GET", "/feeds/associations/les-amis-du-doubs/prets.ics?jeton=abc", "ressources"),
    ("GET", "/feeds/associations/les-amis-du-doubs/pretsx.ics", "agenda"),
    ("GET", "/espace-association/reservationsx", "annuaire"),
    # The aides (issue 16): before the agenda's /feeds/* and the annuaire's spaces.
    ("GET", "/aides", "aides"),
    ("GET", "/aides/fph-fonds-participation-habitants", "aides"),
    ("GET", "/espace-association/aides", "aides"),
    ("POST", "/espace-association/aides/reponses", "aides"),
    ("GET", "/espace-ville/aides", "aides"),
    ("POST", "/espace-ville/aides/nouveau", "aides"),
    ("GET", "/feeds/aides.ics?theme=culture", "aides"),
    ("GET", "/feeds/aidesx.ics", "agenda"),
    ("GET", "/espace-association/aidesx", "annuaire"),
]


@pytest.mark.parametrize(("method", "path", "service"), ROUTES)
def test_proxy_sends_each_public_path_to_its_service(
    proxy: CaddyProxy, services: dict[str, FakeService], method: str, path: str, service: str
) -> None:
    response, _ = request(proxy, method, path)

    assert response.status == 200
    assert response.getheader("X-Service") == service
    assert services[service].received[-1].path == path


def test_proxy_answers_404_in_french_for_a_path_no_service_owns(proxy: CaddyProxy) -> None:
    response, body = request(proxy, "GET", "/api/associationz")
    other, _ = request(proxy, "GET", "/healthz")

    assert response.status == 404
    assert other.status == 404
    assert body == b"Page introuvable"


def test_proxy_passes_the_agendas_gzip_bytes_and_etag_through_untouched(
    proxy: CaddyProxy,
) -> None:
    response, body = request(proxy, "GET", "/feeds/agenda.ics", {"Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert body == FEED_GZIP
    assert response.getheader("ETag") == FEED_ETAG
    assert response.getheader("Cache-Control") == "public, max-age=300"


def test_proxy_neither_asks_for_nor_adds_compression_the_client_did_not_ask_for(
    proxy: CaddyProxy, services: dict[str, FakeService]
) -> None:
    response, body = request(proxy, "GET", "/feeds/associations/x.ics")

    assert response.getheader("Content-Encoding") is None
    assert body == FEED_BODY
    assert "accept-encoding" not in services["agenda"].received[-1].headers


def test_proxy_relays_the_agendas_304(proxy: CaddyProxy) -> None:
    response, body = request(proxy, "GET", "/feeds/agenda.ics", {"If-None-Match": FEED_ETAG})

    assert response.status == 304
    assert body == b""
    assert response.getheader("ETag") == FEED_ETAG


def test_proxy_marks_api_answers_not_cacheable_and_keeps_feed_caching(
    proxy: CaddyProxy,
) -> None:
    api, _ = request(proxy, "GET", "/api/venues")
    feed, _ = request(proxy, "GET", "/feeds/agenda.rss")

    assert api.getheader("Cache-Control") == "no-store"
    assert feed.getheader("Cache-Control") == "public, max-age=300"


def test_proxy_tells_the_service_who_the_client_is(
    proxy: CaddyProxy, services: dict[str, FakeService]
) -> None:
    request(proxy, "POST", "/api/subscriptions")

    forwarded = services["newsletter"].received[-1].headers
    assert forwarded["x-forwarded-for"] == "127.0.0.1"
    assert forwarded["x-forwarded-proto"] == "http"


UPLOAD = 3 * 1000 * 1000  # past the proxy's 2MB
PROXY_HEADERS = {
    "strict-transport-security": "max-age=31536000",
    "content-security-policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize("path", ["/api/venues", "/abonnement", "/feeds/agenda.ics"])
def test_proxy_adds_the_security_headers_a_response_lacks(proxy: CaddyProxy, path: str) -> None:
    response, _ = request(proxy, "GET", path)

    for name, value in PROXY_HEADERS.items():
        assert response.headers.get_all(name) == [value], name


def test_proxy_never_doubles_a_header_the_service_set(proxy: CaddyProxy) -> None:
    response, _ = request(proxy, "GET", "/archives/2026-w48/lettre")

    assert response.headers.get_all("Content-Security-Policy") == [OWN_CSP]
    assert response.headers.get_all("X-Content-Type-Options") == ["nosniff"]


def test_proxys_own_answers_carry_the_headers_and_refuse_frames(proxy: CaddyProxy) -> None:
    response, _ = request(proxy, "GET", "/nulle-part")

    assert response.status == 404
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Content-Security-Policy") == PROXY_HEADERS["content-security-policy"]


def test_the_frame_ancestors_of_the_proxy_come_from_the_services_setting(
    services: dict[str, FakeService], tmp_path: Path
) -> None:
    upstreams = {name: fake.address for name, fake in services.items()}
    ancestors = "'self' https://mairie.example"
    proxy = CaddyProxy(tmp_path, upstreams, extra_env={"VIEASSO_FRAME_ANCESTORS": ancestors})
    try:
        response, _ = request(proxy.start(), "GET", "/api/venues")
    finally:
        proxy.stop()

    csp = response.getheader("Content-Security-Policy") or ""
    assert csp.endswith(f"frame-ancestors {ancestors}")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_proxy_refuses_a_body_past_its_limit_in_french(
    proxy: CaddyProxy, services: dict[str, FakeService], chunked: bool
) -> None:
    before = len(services["newsletter"].received)
    answer = post(proxy.port, "/api/subscriptions", size=UPLOAD, chunked=chunked)

    assert answer.status == 413
    assert answer.body.decode() == "Envoi trop volumineux : la demande dépasse la taille acceptée."
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert all(r.read < UPLOAD for r in services["newsletter"].received[before:])


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/associations/les-amis/images", "agenda"),
        ("/espace-association/evenements/nouveau", "agenda"),
        ("/api/catalogue/images", "ressources"),
        ("/espace-ville/materiel/nouveau", "ressources"),
        ("/espace-ville/salles/salle-1", "ressources"),
    ],
)
def test_proxy_lets_an_image_upload_past_the_common_limit_through_whole(
    proxy: CaddyProxy, path: str, service: str
) -> None:
    answer = post(proxy.port, path, size=UPLOAD, chunked=True)

    assert answer.status == 200
    assert json.loads(answer.body) == {"service": service, "read": UPLOAD}
    refused = post(proxy.port, path, size=13 * 1024 * 1024, chunked=False)
    assert refused.status == 413


def test_proxy_lets_a_body_under_its_limit_through_whole(proxy: CaddyProxy) -> None:
    answer = post(proxy.port, "/api/subscriptions", size=UPLOAD // 2, chunked=True)

    assert answer.status == 200
    assert json.loads(answer.body) == {"service": "newsletter", "read": UPLOAD // 2}


# --- docker-compose.yml --------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def nats_nodes() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if name.startswith("nats-")}


def config_variables(*paths: Path) -> set[str]:
    """Variables a config reads (``$NAME`` outside quoted strings such as "$JS.API.>")."""
    text = "\n".join(without_comments(p.read_text()) for p in paths)
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", re.sub(r'"[^"\n]*"', "", text)))


def test_compose_gives_every_container_a_healthcheck_and_a_restart_policy() -> None:
    services = compose()["services"]
    assert set(services) == {"nats-1", "nats-2", "nats-3", *SERVICE_CONTAINERS, "backup", "proxy"}
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] == "CMD", name
        assert service["restart"] == "unless-stopped", name


def test_compose_runs_three_nats_nodes_from_the_one_cluster_conf() -> None:
    nodes = nats_nodes()
    assert len(nodes) == 3
    needed = config_variables(CLUSTER_CONF, NATS_DIR / "accounts.conf")
    for name, node in nodes.items():
        assert node["command"] == ["--config", "/etc/nats/cluster.conf"]
        mounts = {v.split(":")[0]: v.split(":")[1] for v in node["volumes"]}
        assert mounts["./deploy/nats/cluster.conf"] == "/etc/nats/cluster.conf"
        assert mounts["./deploy/nats/accounts.conf"] == "/etc/nats/accounts.conf"
        assert mounts[f"{name}-data"] == "/data"
        env = node["environment"]
        assert needed <= set(env), f"{name} lacks {needed - set(env)}"
        assert env["NATS_SERVER_NAME"] == name
        assert env["NATS_STORE_DIR"].startswith("/data/")
        routes = {env[f"NATS_ROUTE_{i}"] for i in (1, 2, 3)}
        credentials = f"route:{env['NATS_ROUTE_PASSWORD']}"  # tests/platform/test_nats_routes.py
        assert routes == {f"nats://{credentials}@{n}:{env['NATS_CLUSTER_PORT']}" for n in nodes}


def test_compose_pins_the_nats_and_caddy_versions_the_tests_run() -> None:
    nats_version = subprocess.run(
        [str(NATS_SERVER), "--version"], capture_output=True, text=True, check=True
    ).stdout
    caddy_version = subprocess.run(
        [str(CADDY), "version"], capture_output=True, text=True, check=True
    ).stdout
    for node in nats_nodes().values():
        tag = node["image"].removeprefix("nats:").removesuffix("-alpine")
        assert f"v{tag}" in nats_version
    tag = compose()["services"]["proxy"]["image"].removeprefix("caddy:").removesuffix("-alpine")
    assert caddy_version.startswith(f"v{tag} ")


def project_scripts() -> set[str]:
    scripts: set[str] = set()
    for pyproject in (REPO / "services").glob("*/pyproject.toml"):
        scripts |= set(tomllib.loads(pyproject.read_text())["project"].get("scripts", {}))
    return scripts


def test_compose_runs_every_service_from_one_image_on_the_r3_cluster() -> None:
    services = compose()["services"]
    node_hosts = {f"nats://{name}:4222" for name in nats_nodes()}
    ports = {name: Settings.model_fields[f"{name}_port"].default for name in SERVICES}
    for name, container in ((n, c) for n in SERVICES for c in containers(n)):
        service = services[container]
        assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        assert service["command"] == [f"vieasso-{name}", "serve"]
        assert service["command"][0] in project_scripts()
        env = service["environment"]
        assert env["VIEASSO_NATS_REPLICAS"] == "3"
        assert set(env["VIEASSO_NATS_URL"].split(",")) == node_hosts
        assert set(service["depends_on"]) == set(nats_nodes())
        assert f"127.0.0.1:{ports[name]}/healthz" in " ".join(service["healthcheck"]["test"])
    assert len({services[name]["image"] for name in SERVICE_CONTAINERS}) == 1


def env_keys(path: Path) -> set[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def test_compose_env_files_have_committed_templates_with_every_setting() -> None:
    services = compose()["services"]
    ignored = set((REPO / "deploy" / ".gitignore").read_text().split())
    keys: dict[str, set[str]] = {}
    for service in services.values():
        for env_file in service.get("env_file", []):
            assert Path(env_file).name in ignored, f"{env_file} must never be committed"
            keys[env_file] = env_keys(REPO / f"{env_file}.example")
    assert "VIEASSO_PUBLIC_BASE_URL" in keys["deploy/vieasso.env"]
    secrets = {f"VIEASSO_{n.upper()}" for s in SERVICE_SETTINGS for n in s.development_secrets}
    assert secrets | {"VIEASSO_SMTP_PASSWORD"} <= keys["deploy/secrets.env"]
    smtp = {f"VIEASSO_SMTP_{k}" for k in ("HOST", "PORT", "USERNAME", "PASSWORD", "STARTTLS")}
    assert smtp <= keys["deploy/vieasso.env"] | keys["deploy/secrets.env"]
    assert services["proxy"]["env_file"] == ["deploy/vieasso.env"], "no secrets in the proxy"
    caddy_needs = set(re.findall(r"\{\$([A-Z_]+)\}", CADDYFILE.read_text()))
    assert caddy_needs <= keys["deploy/vieasso.env"]


def test_every_vieasso_variable_we_ship_is_a_setting_a_service_reads() -> None:
    known = {
        f"VIEASSO_{name.upper()}" for settings in SERVICE_SETTINGS for name in settings.model_fields
    }
    shipped = env_keys(REPO / "deploy" / "vieasso.env.example")
    shipped |= env_keys(REPO / "deploy" / "secrets.env.example")
    for name in SERVICE_CONTAINERS:
        shipped |= set(compose()["services"][name]["environment"])
    assert shipped <= known, f"unknown settings: {shipped - known}"


def test_the_image_uses_the_uv_version_of_the_makefile() -> None:
    makefile = (REPO / "Makefile").read_text()
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    version = re.search(r"^UV_VERSION\s*:=\s*(\S+)", makefile, re.MULTILINE)
    assert version is not None
    assert f"FROM ghcr.io/astral-sh/uv:{version.group(1)} AS uv" in dockerfile


def test_compose_gives_each_service_its_own_nats_user_and_the_backup_job_the_admin_one() -> None:
    services = compose()["services"]
    users = {name: services[name]["environment"] for name in (*SERVICE_CONTAINERS, "backup")}
    for name, env in users.items():
        user = "admin" if name == "backup" else name.rsplit("-", 1)[0]
        assert env["VIEASSO_NATS_USER"] == user
        variable = f"NATS_PASSWORD_{user.upper()}"
        assert env["VIEASSO_NATS_PASSWORD"].startswith(f"${{{variable}:?"), name
        for node in nats_nodes().values():
            assert node["environment"][variable] == env["VIEASSO_NATS_PASSWORD"]
    template = env_keys(REPO / "deploy" / "nats-users.env.example")
    needed = {v for v in config_variables(NATS_DIR / "accounts.conf") if v.startswith("NATS_")}
    assert needed | {"NATS_ROUTE_PASSWORD"} == template  # the routes' (cluster.conf)
    assert "nats-users.env" in (REPO / "deploy" / ".gitignore").read_text().split()


def test_compose_runs_two_alike_replicas_of_each_service_and_the_proxy_knows_them() -> None:
    """Each service twice (issue 18), the second a copy of the first but for its own volumes;
    the Caddyfile's default upstreams are exactly those containers, on the service's port."""
    services = compose()["services"]
    caddyfile = CADDYFILE.read_text()
    for name in SERVICES:
        first, second = (services[c] for c in containers(name))
        assert {k: v for k, v in first.items() if k != "volumes"} == {
            k: v for k, v in second.items() if k != "volumes"
        }, name
        assert first.get("volumes", []) == [
            v.replace("-2-", "-1-") for v in second.get("volumes", [])
        ]
        port = Settings.model_fields[f"{name}_port"].default
        upstreams = " ".join(f"{c}:{port}" for c in containers(name))
        assert f"{{$VIEASSO_{name.upper()}_UPSTREAM:{upstreams}}}" in caddyfile, name
        assert not re.search(rf"UPSTREAM:{name}:{port}\}}", caddyfile)
    assert set(services["proxy"]["depends_on"]) == set(SERVICE_CONTAINERS)


def test_compose_schedules_backups_with_a_health_check_on_their_age() -> None:
    backup = compose()["services"]["backup"]
    command = backup["command"]
    assert command[:5] == ["python", "-m", "vieasso.common.backup", "schedule", "/backups"]
    assert "backups:/backups" in backup["volumes"]
    assert "backups" in compose()["volumes"]
    assert backup["healthcheck"]["test"][1:6] == [
        "python",
        "-m",
        "vieasso.common.backup",
        "status",
        "/backups",
    ]
    assert set(backup["depends_on"]) == set(nats_nodes())
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "install -d -o vieasso -g vieasso /backups" in dockerfile
    for argv in (command[3:], backup["healthcheck"]["test"][4:]):
        parsed = subprocess.run(
            [str(REPO / ".venv" / "bin" / "python"), "-m", "vieasso.common.backup", argv[0],
             "--help"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert parsed.returncode == 0, parsed.stderr
        options = [a for a in argv if a.startswith("--")]
        assert all(option in parsed.stdout for option in options)
