"""B3: serve a 1,000-event ICS on loopback, 64 connections (wrk, one thread).

The agenda (`vieasso-agenda serve`, granian, one worker) against nginx (one worker) serving
the same bytes from files, measured in the same run: gzip 200s, 304s (If-None-Match) and
identity 200s, each the median of three 5 s runs that alternate between the two servers
(nginx alone varied by a third between runs minutes apart). wrk and nginx are installed
with apt-get when missing. Context rows: a bare granian app returning the same bytes, and
the production set-up of issue 18 — the Caddyfile on Caddy in front of two agenda replicas
(the gzip 200s and 304s through the proxy, against one agenda reached directly).
"""

from __future__ import annotations

import asyncio
import gzip
import re
import shutil
import statistics
import subprocess
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import nats

from bench.b1_agenda_ingest import AgendaPlatform, fill_directory, healthy
from bench.b2_agenda_ics import synthetic_records
from bench.report import Figure
from tests.support.caddy import CaddyProxy
from tests.support.processes import VENV_BIN, Process, free_port, port_open, wait_until
from tests.support.services import SERVICES
from vieasso.agenda.adapters.store import BUCKET, encode
from vieasso.common.http.server import LOOP

FEED = "/feeds/agenda.ics"
ROOT = Path(__file__).resolve().parents[1]


def ensure_tools() -> None:
    missing = [tool for tool in ("wrk", "nginx") if shutil.which(tool) is None]
    if missing:
        packages = ["wrk" if tool == "wrk" else "nginx-light" for tool in missing]
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True)


async def fill(url: str, count: int) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await fill_directory(js, 50)
    for record in synthetic_records(count, now=datetime.now(UTC)):
        await js.publish_async(f"$KV.{BUCKET}.{record.key}", encode(record))
    await js.publish_async_completed()
    await nc.close()


def fetch(url: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read(), {k.lower(): v for k, v in response.headers.items()}


def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    args = ["wrk", "-t1", "-c64", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise AssertionError(f"B3: errors from {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise AssertionError(f"B3: no rate in wrk output:\n{out}")
    return float(found.group(1))


class LocalServer:
    """A server process answering FEED on a port of the loopback."""

    name = "server"
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{FEED}"

    def start(self) -> Self:
        self.process.start()
        wait_until(lambda: port_open(self.port), timeout=30, what=self.name)
        return self

    def stop(self) -> None:
        self.process.stop()


class Nginx(LocalServer):
    """nginx, one worker, serving `body` (and its gzip) at FEED with ETag."""

    name = "nginx"

    def __init__(self, workdir: Path, body: bytes) -> None:
        workdir.chmod(0o755)  # nginx's worker runs as an unprivileged user
        self.root = workdir / "www"
        (self.root / "feeds").mkdir(parents=True)
        (self.root / "feeds" / "agenda.ics").write_bytes(body)
        (self.root / "feeds" / "agenda.ics.gz").write_bytes(gzip.compress(body, 6, mtime=0))
        self.port = free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(
            f"""worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ text/calendar ics; }}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
    gzip_static on;
    etag on;
    location /feeds/ {{ add_header Cache-Control "public, max-age=300"; }}
  }}
}}
"""
        )
        self.process = Process(["nginx", "-c", str(conf)], log=workdir / "nginx.log")


KINDS = ("gzip", "304", "identity")
ROUNDS = 3


def requests_for(url: str) -> dict[str, dict[str, str]]:
    """The request headers of each kind (the 304s revalidate the gzip ETag, if any)."""
    _, zipped = fetch(url, {"Accept-Encoding": "gzip"})
    return {
        "gzip": {"Accept-Encoding": "gzip"},
        "304": {"Accept-Encoding": "gzip", "If-None-Match": zipped.get("etag", "")},
        "identity": {"Accept-Encoding": "identity"},
    }


class BareGranian(LocalServer):
    """granian (one worker and the event loop of the agenda's) with `bench.granian_bytes`:
    the same bytes for every request, no routing, no headers read — what granian alone
    allows."""

    name = "bare granian"

    def __init__(self, workdir: Path, body: bytes) -> None:
        path = workdir / "bare-body.ics"
        path.write_bytes(body)
        self.port = free_port()
        argv = [
            str(VENV_BIN / "granian"), "--interface", "asgi", "--workers", "1",
            "--loop", LOOP.value, "--no-ws", "--host", "127.0.0.1", "--port", str(self.port),
            "--working-dir", str(ROOT), "bench.granian_bytes:app",
        ]  # fmt: skip
        self.process = Process(
            argv, log=workdir / "bare-granian.log", env={"VIEASSO_BENCH_BODY": str(path)}
        )


class Proxied(LocalServer):
    """deploy/proxy/Caddyfile on Caddy, in front of the platform's agenda and a second
    replica on the same NATS (its own port and snapshot directory)."""

    name = "caddy, two agenda replicas"

    def __init__(self, platform: AgendaPlatform) -> None:
        second = free_port()
        env = {**platform.agenda_env(), "VIEASSO_AGENDA_PORT": str(second)}
        env["VIEASSO_AGENDA_CACHE_DIR"] = str(platform.workdir / "agenda-cache-2")
        self.replica = Process(
            [str(VENV_BIN / "vieasso-agenda"), "serve"],
            log=platform.workdir / f"agenda-{second}.log",
            env=env,
        )
        self.second = f"http://127.0.0.1:{second}"
        upstreams = dict.fromkeys(SERVICES, "127.0.0.1:9")  # only the agenda is measured
        upstreams["agenda"] = f"127.0.0.1:{platform.port} 127.0.0.1:{second}"
        self.proxy = CaddyProxy(platform.workdir / "caddy", upstreams)
        self.port = self.proxy.port

    def start(self) -> Self:
        self.replica.start()
        wait_until(lambda: healthy(self.second), timeout=60, what="second agenda replica")
        self.proxy.start()
        return self

    def stop(self) -> None:
        self.proxy.stop()
        self.replica.stop()


def measure(
    urls: dict[str, str], seconds: int, rounds: int, kinds: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, float]]:
    """{server: {kind: req/s}}, the median of `rounds` runs that alternate between the
    servers, so that a slow spell of the machine weighs on both sides of a ratio."""
    headers = {server: requests_for(url) for server, url in urls.items()}
    rates: dict[str, dict[str, list[float]]] = {s: {k: [] for k in kinds[s]} for s in urls}
    for _ in range(rounds):
        for kind in KINDS:
            for server, url in urls.items():
                if kind in kinds[server]:
                    rates[server][kind].append(wrk(url, seconds, headers[server][kind]))
    return {s: {k: statistics.median(v) for k, v in by.items()} for s, by in rates.items()}


def run(quick: bool) -> list[Figure]:
    ensure_tools()
    seconds, rounds = (2, 1) if quick else (5, ROUNDS)
    platform = AgendaPlatform()
    nginx: Nginx | None = None
    bare: BareGranian | None = None
    proxied: Proxied | None = None
    try:
        asyncio.run(fill(platform.nats.url, 1_500))
        platform.start_agenda()
        body, _ = fetch(platform.base + FEED, {"Accept-Encoding": "identity"})
        events = body.count(b"BEGIN:VEVENT")
        nginx = Nginx(platform.workdir, body).start()
        bare = BareGranian(platform.workdir, body).start()
        proxied = Proxied(platform).start()
        rates = measure(
            {
                "agenda": platform.base + FEED,
                "nginx": nginx.url,
                "granian": bare.url,
                "caddy": proxied.url,
            },
            seconds,
            rounds,
            {
                "agenda": KINDS,
                "nginx": KINDS,
                "granian": ("identity",),
                "caddy": ("gzip", "304"),
            },
        )
    finally:
        for server in (nginx, bare, proxied):
            if server is not None:
                server.stop()
        platform.close()
    size = f"{events} events, {len(body) // 1024} KB"
    targets = {"gzip": "≥ 10,000 req/s", "304": "≥ 15,000 req/s", "identity": "≥ 0.8× nginx"}
    return (
        [
            Figure(
                bench="B3",
                what=f"{kind} {'200s' if kind != '304' else 'responses'} ({size}), wrk -t1 -c64, "
                f"median of {rounds} × {seconds} s alternating with nginx",
                value=rates["agenda"][kind],
                unit="req/s",
                baseline=rates["nginx"][kind],
                baseline_what="nginx, one worker, same bytes",
                target=targets[kind],
            )
            for kind in KINDS
        ]
        + [
            Figure(
                bench="B3",
                what=f"context: identity 200s ({size}) from a bare granian app returning the same "
                "bytes (granian copies every body out of Python; nginx uses sendfile)",
                value=rates["granian"]["identity"],
                unit="req/s",
                baseline=rates["nginx"]["identity"],
                baseline_what="nginx, one worker, same bytes",
            )
        ]
        + [
            Figure(
                bench="B3",
                what=f"context: {kind} {'200s' if kind != '304' else 'responses'} ({size}) through "
                "the production Caddyfile on Caddy, two agenda replicas behind it (issue 18)",
                value=rates["caddy"][kind],
                unit="req/s",
                baseline=rates["agenda"][kind],
                baseline_what="one agenda reached directly, same run",
            )
            for kind in ("gzip", "304")
        ]
    )
