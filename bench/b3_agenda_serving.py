"""B3: serve a 1,000-event ICS on loopback, 64 connections (wrk, one thread).

The agenda (`vieasso-agenda serve`, granian, one worker) against nginx (one worker) serving
the same bytes from files, measured in the same run: gzip 200s, 304s (If-None-Match) and
identity 200s. wrk and nginx are installed with apt-get when missing.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import shutil
import subprocess
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import nats

from bench.b1_agenda_ingest import AgendaPlatform, fill_directory
from bench.b2_agenda_ics import synthetic_records
from bench.report import Figure
from tests.support.processes import Process, free_port, port_open, wait_until
from vieasso.agenda.adapters.store import BUCKET, encode

FEED = "/feeds/agenda.ics"


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


class Nginx:
    """nginx, one worker, serving `body` (and its gzip) at FEED with ETag."""

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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{FEED}"

    def start(self) -> Nginx:
        self.process.start()
        wait_until(lambda: port_open(self.port), timeout=10, what="nginx")
        return self

    def stop(self) -> None:
        self.process.stop()


def measure(url: str, seconds: int) -> dict[str, float]:
    _, zipped = fetch(url, {"Accept-Encoding": "gzip"})
    return {
        "gzip": wrk(url, seconds, {"Accept-Encoding": "gzip"}),
        "304": wrk(url, seconds, {"Accept-Encoding": "gzip", "If-None-Match": zipped["etag"]}),
        "identity": wrk(url, seconds, {"Accept-Encoding": "identity"}),
    }


def run(quick: bool) -> list[Figure]:
    ensure_tools()
    seconds = 3 if quick else 10
    platform = AgendaPlatform()
    nginx: Nginx | None = None
    try:
        asyncio.run(fill(platform.nats.url, 1_500))
        platform.start_agenda()
        body, _ = fetch(platform.base + FEED, {"Accept-Encoding": "identity"})
        events = body.count(b"BEGIN:VEVENT")
        agenda = measure(platform.base + FEED, seconds)
        nginx = Nginx(platform.workdir, body).start()
        reference = measure(nginx.url, seconds)
    finally:
        if nginx is not None:
            nginx.stop()
        platform.close()
    size = f"{events} events, {len(body) // 1024} KB"
    targets = {"gzip": "≥ 10,000 req/s", "304": "≥ 15,000 req/s", "identity": "≥ 0.8× nginx"}
    return [
        Figure(
            bench="B3",
            what=f"{kind} {'200s' if kind != '304' else 'responses'} ({size}), wrk -t1 -c64",
            value=agenda[kind],
            unit="req/s",
            baseline=reference[kind],
            baseline_what="nginx, one worker, same bytes",
            target=targets[kind],
        )
        for kind in ("gzip", "304", "identity")
    ]
