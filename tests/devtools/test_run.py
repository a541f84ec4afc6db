"""`make run` (devtools.run): its pieces, then the real thing on free ports in a temporary var/."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import nats
import pytest

from devtools.banner import banner
from devtools.processes import DevSettings, child_env, components
from tests.support.processes import REPO, Process, free_port, port_open, wait_until
from tests.support.services import SERVICES, http_status
from vieasso.annuaire.handlers.demo import DemoAccess


def test_banner_lists_docs_feeds_webcal_subscription_page_and_mail_viewer() -> None:
    text = banner(DevSettings(_env_file=None))

    for url in (
        "http://127.0.0.1:8001/docs",
        "http://127.0.0.1:8002/docs",
        "http://127.0.0.1:8003/docs",
        "http://127.0.0.1:8002/feeds/agenda.ics",
        "webcal://127.0.0.1:8002/feeds/agenda.ics",
        "http://127.0.0.1:8002/feeds/agenda.rss",
        "http://127.0.0.1:8002/feeds/agenda.atom",
        "http://127.0.0.1:8002/feeds/agenda.jsonld",
        "http://127.0.0.1:8003/abonnement",
        "http://127.0.0.1:8004/docs",
        "http://127.0.0.1:8004/materiel",
        "http://127.0.0.1:8004/salles",
        "http://127.0.0.1:8004/healthz",
        "http://127.0.0.1:8005/docs",
        "http://127.0.0.1:8005/aides",
        "http://127.0.0.1:8005/healthz",
        "http://127.0.0.1:8002/ecran/hall-de-la-mairie",
        "http://127.0.0.1:8002/ecrans",
        "http://127.0.0.1:1080/",
        "http://127.0.0.1:8222/",
    ):
        assert url in text


def test_banner_prints_the_home_page_first() -> None:
    text = banner(DevSettings(_env_file=None))

    urls = [word for word in text.split() if word.startswith(("http://", "webcal://"))]
    assert urls[0] == "http://127.0.0.1:8001/"


def test_banner_never_prints_a_configured_admin_token() -> None:
    text = banner(DevSettings(_env_file=None, admin_token="s3cret-token-of-the-city"))

    assert "s3cret-token-of-the-city" not in text
    assert "VIEASSO_ADMIN_TOKEN" in text


_CURL = re.compile(
    r"curl -X POST '(?P<url>\S+)' \\\s+-H 'Authorization: Bearer (?P<token>\S+)'.*?"
    r"-d '(?P<body>\{.*?\})'$",
    re.S | re.M,
)


def _printed_publication(output: str) -> tuple[str, str, dict[str, object]]:
    """The last `curl` example `make run` printed: URL, token, JSON body."""
    found = list(_CURL.finditer(output))
    assert found, output[-5000:]
    last = found[-1]
    return last["url"], last["token"], json.loads(last["body"])


def test_banner_shows_how_to_sign_in_and_publish_as_a_demo_association() -> None:
    access = [
        DemoAccess("chorale-battant", "Chorale Battant", "demo-abc"),
        DemoAccess("judo-planoise", "Judo Planoise", "demo-xyz"),
    ]
    text = banner(DevSettings(_env_file=None), access, today=date(2026, 3, 16))

    assert "http://127.0.0.1:8001/espace-association/connexion" in text
    assert "identifiant judo-planoise, jeton demo-xyz" in text
    url, token, body = _printed_publication(text)
    assert url == "http://127.0.0.1:8002/api/associations/chorale-battant/events"
    assert token == "demo-abc"
    assert body["start"] == "2026-03-23T18:00:00+01:00"
    assert "DÉMONSTRATION" in text
    assert "curl" not in banner(DevSettings(_env_file=None))


def test_ports_and_nats_url_come_from_vieasso_settings() -> None:
    settings = DevSettings(
        _env_file=None, nats_url="nats://127.0.0.1:14999", agenda_port=18002, smtp_port=12025
    )

    by_name = {part.name: part for part in components(settings)}
    env = child_env(settings, {"PATH": "/bin"})

    assert by_name["nats"].port == 14999
    assert by_name["agenda"].health_url == "http://127.0.0.1:18002/healthz"
    assert by_name["mail"].port == 12025
    assert env["VIEASSO_NATS_URL"] == "nats://127.0.0.1:14999"
    assert env["VIEASSO_SMTP_PORT"] == "12025"


def _dev_env(var: Path) -> dict[str, str]:
    names = (*(f"{service.upper()}_PORT" for service in SERVICES), "SMTP_PORT")
    env = {f"VIEASSO_{name}": str(free_port()) for name in names}
    env["VIEASSO_MAIL_VIEWER_PORT"] = str(free_port())
    env["VIEASSO_NATS_MONITOR_PORT"] = str(free_port())
    env["VIEASSO_NATS_URL"] = f"nats://127.0.0.1:{free_port()}"
    env["VIEASSO_DEV_VAR_DIR"] = str(var)
    return env


def _make_run(env: dict[str, str], log: Path) -> Process:
    return Process([sys.executable, "-m", "devtools.run"], log=log, env=env).start()


def _wait_ready(run: Process) -> None:
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: "tout est prêt" in run.output() or not run.running, timeout=300)
    assert "tout est prêt" in run.output(), run.output()[-5000:]


def _interrupt(run: Process) -> int | None:
    """Ctrl-C: SIGINT to devtools.run alone (honcho's children are in their own sessions)."""
    assert run.popen is not None
    with contextlib.suppress(ProcessLookupError):
        os.kill(run.popen.pid, signal.SIGINT)
    return run.popen.wait(timeout=30)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def _kv_put_then_get(url: str, key: str, value: bytes | None) -> bytes | None:
    client = await nats.connect(url)
    try:
        kv = await client.jetstream().key_value("annuaire_reference")
        if value is not None:
            await kv.put(key, value)
        return (await kv.get(key)).value
    finally:
        await client.close()


_LINK = re.compile(r'href="(http://127\.0\.0\.1:\d+/[^"#]*)"')
# what people must reach from the home page (issue 7), by path prefix
_MUST_REACH = (
    "/associations", "/associations/inscription", "/missions", "/agenda", "/events/",
    "/abonnement", "/archives", "/espace-association", "/espace-ville",
)  # fmt: skip


def _sample(urls: list[str], per_section: int = 6) -> list[str]:
    """At most `per_section` new URLs per first path segment (/associations, /events…)."""
    kept: dict[str, list[str]] = {}
    for url in dict.fromkeys(urls):
        if "/feeds/" in url or "/export/" in url:
            continue
        section = re.sub(r"^http://[^/]+/", "", url).split("/")[0].split("?")[0]
        if len(kept.setdefault(section, [])) < per_section:
            kept[section].append(url)
    return [url for urls in kept.values() for url in urls]


def _crawl(home: str) -> dict[str, int]:
    """Pages linked from `home` and from the pages it links (two clicks), a sample of each
    section, GET only, following redirects (a space sends to its sign-in page): url → status."""
    seen: dict[str, int] = {}
    frontier = [home]
    for _ in range(3):
        found: list[str] = []
        for url in frontier:
            if url in seen:
                continue
            answer = httpx.get(url, follow_redirects=True, timeout=10)
            seen[url] = answer.status_code
            if answer.headers.get("content-type", "").startswith("text/html"):
                found += [link.replace("&amp;", "&") for link in _LINK.findall(answer.text)]
        frontier = _sample([url for url in found if url not in seen])
    return seen


@pytest.mark.e2e
@pytest.mark.slow
def test_make_run_serves_everything_stops_on_ctrl_c_and_keeps_the_data(tmp_path: Path) -> None:
    env = _dev_env(tmp_path / "var")
    ports = [int(value) for name, value in env.items() if name.endswith("_PORT")]
    nats_url = env["VIEASSO_NATS_URL"]

    first = _make_run(env, tmp_path / "run1.out")
    try:
        _wait_ready(first)
        for name in (service.upper() for service in SERVICES):
            assert http_status(f"http://127.0.0.1:{env[f'VIEASSO_{name}_PORT']}/healthz") == 200
        assert http_status(f"http://127.0.0.1:{env['VIEASSO_MAIL_VIEWER_PORT']}/") == 200
        home = re.search(r"page d'accueil.*?(http://\S+)", first.output())
        assert home is not None
        assert home.group(1) == f"http://127.0.0.1:{env['VIEASSO_ANNUAIRE_PORT']}/"
        reached = _crawl(home.group(1))
        assert {url: code for url, code in reached.items() if code != 200} == {}
        paths = {re.sub(r"^http://[^/]+", "", url).split("?")[0] for url in reached}
        for prefix in _MUST_REACH:
            assert any(path.startswith(prefix) for path in paths), prefix
        asyncio.run(_kv_put_then_get(nats_url, "make-run-test", b"kept"))
        url, token, body = _printed_publication(first.output())
        published = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert published.status_code == 202, published.text
    finally:
        code = _interrupt(first)
    output = first.output()
    assert code == 0, output
    assert "Tout est arrêté" in output
    pids = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", output)]
    assert len(pids) == 2 + len(SERVICES)  # nats, mail and every service
    assert not [pid for pid in pids if _pid_alive(pid)]
    assert not [port for port in ports if port_open(port)]

    second = _make_run(env, tmp_path / "run2.out")
    try:
        _wait_ready(second)
        assert asyncio.run(_kv_put_then_get(nats_url, "make-run-test", None)) == b"kept"
        # the same demo token is printed again, and still works
        assert _printed_publication(second.output())[:2] == (url, token)
        again = httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 202, again.text
    finally:
        assert _interrupt(second) == 0, second.output()


@pytest.mark.e2e
def test_make_run_says_which_port_is_taken_instead_of_a_traceback(tmp_path: Path) -> None:
    env = _dev_env(tmp_path / "var")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["VIEASSO_AGENDA_PORT"])))
        squatter.listen()
        done = subprocess.run(
            [sys.executable, "-m", "devtools.run"],
            env={**os.environ, **env},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert done.returncode == 1
    assert f"127.0.0.1:{env['VIEASSO_AGENDA_PORT']} (agenda)" in done.stdout
    assert "déjà utilisé" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
