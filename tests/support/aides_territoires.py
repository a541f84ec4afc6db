"""A local fake of the Aides-territoires API, as its public source documents it
(MTES-MCT/aides-territoires-symfony): real HTTP on a free port, in a thread.

- `POST /api/connexion/` with `X-AUTH-TOKEN: <token>` → `{"token": <JWT>}`; 401 otherwise.
- `GET /api/perimeters/?insees=<code>&scale=commune` → the commune's perimeter.
- `GET /api/aids/?perimeter_id=&organization_type_slugs=association&itemsPerPage=&page=` with
  `Authorization: Bearer <JWT>` → `{"count", "previous", "next", "results"}` (≤ 100 a page).

Test controls: `aids` (the records served, in order), `failures` (page number → how many
times it answers 500 before it works), `stall_once` (page → seconds it hangs, once),
`next_base` (another host in `next`), `rate_limit_once` (pages answering 429 with
`Retry-After` once), `count_more` (a `count` larger than the listing), `expire_tokens()`;
`requests` records what was asked.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support.processes import free_port

BESANCON = {
    "id": "70417-besancon",  # the number is the fake's own, not the real site's
    "text": "Besançon (25000)",
    "name": "Besançon",
    "scale": "commune",
    "zipcodes": ["25000"],
    "code": "25056",
}
MAX_PAGE = 100


def numbered(records: list[Any], count: int, first_id: int = 200_000) -> list[Any]:
    """`count` records of the shapes of `records`, each with its own id and page address."""
    return [
        records[i % len(records)] | {"id": first_id + i, "url": f"/aides/aide-{first_id + i}/"}
        for i in range(count)
    ]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int


@dataclass
class FakeAidesTerritoires:
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    aids: list[Any] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    rate_limit_once: set[int] = field(default_factory=set)
    retry_after: str = "0"
    count_more: int = 0  # announced in `count` beyond what is served
    stall_once: dict[int, float] = field(default_factory=dict)  # page → seconds, once
    next_base: str | None = None  # the host `next` names (the API builds it from its own)
    requests: list[Seen] = field(default_factory=list)
    jwts: set[str] = field(default_factory=set)
    port: int = field(default_factory=free_port)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expire_tokens(self) -> None:
        with self.lock:
            self.jwts.clear()

    def pages_served(self) -> list[int]:
        """The `page` of every aids request answered 200, in order."""
        return [
            int(s.query.get("page", ["1"])[0])
            for s in self.requests
            if s.path == "/api/aids/" and s.status == 200
        ]

    def answer(self, method: str, target: str, headers: Any) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        page = int(query.get("page", ["1"])[0])
        with self.lock:
            stall = self.stall_once.pop(page, 0.0) if parts.path == "/api/aids/" else 0.0
        if stall:
            time.sleep(stall)  # a slow answer, in the server's thread: the client times out
            return 400, {}, {"detail": "too late"}  # not retried: only a timeout retries it
        with self.lock:
            status, extra, body = self._route(method, parts.path, query, headers)
            self.requests.append(Seen(method, parts.path, query, status))
        return status, extra, body

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], headers: Any
    ) -> tuple[int, dict[str, str], Any]:
        if method == "POST" and path == "/api/connexion/":
            if headers.get("X-AUTH-TOKEN") != self.token:
                return 401, {}, {"message": "User not found"}
            jwt = f"jwt-{secrets.token_hex(8)}"
            self.jwts.add(jwt)
            return 200, {}, {"token": jwt}
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if method != "GET" or bearer not in self.jwts:
            return 401, {}, {"code": 401, "message": "JWT Token not found"}
        if path == "/api/perimeters/":
            found = query.get("insees") == [BESANCON["code"]]
            return 200, {}, {"count": int(found), "previous": None, "next": None,
                             "results": [BESANCON] if found else []}  # fmt: skip
        if path == "/api/aids/":
            return self._aids(query)
        return 404, {}, {"detail": "Not Found"}

    def _aids(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        page = int(query.get("page", ["1"])[0])
        size = min(MAX_PAGE, int(query.get("itemsPerPage", ["50"])[0]))
        if self.failures.get(page, 0) > 0:
            self.failures[page] -= 1
            return 500, {}, {"detail": "Internal Server Error"}
        if page in self.rate_limit_once:
            self.rate_limit_once.discard(page)
            return 429, {"Retry-After": self.retry_after}, {"detail": "Too Many Requests"}
        wanted = query.get("perimeter_id") == ["70417"]
        wanted = wanted and query.get("organization_type_slugs") == ["association"]
        aids = self.aids if wanted else []
        first = (page - 1) * size
        pages = max(1, -(-len(aids) // size))
        following = {k: v[0] for k, v in query.items()} | {"page": str(page + 1)}
        body = {
            "count": len(aids) + self.count_more,
            "previous": None,
            "next": f"{self.next_base or self.url}/api/aids/?{urlencode(following)}"
            if page < pages
            else None,
            "results": aids[first : first + size],
        }
        return 200, {}, body


def _handler(fake: FakeAidesTerritoires) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, extra, body = fake.answer(self.command, self.path, self.headers)
            data = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (a stalled answer): nothing to say
                self.close_connection = True

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_aides_territoires(
    fake: FakeAidesTerritoires | None = None,
) -> Iterator[FakeAidesTerritoires]:
    """Serve `fake` (a new one by default) until the block ends."""
    fake = fake or FakeAidesTerritoires()
    server = ThreadingHTTPServer(("127.0.0.1", fake.port), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-aides-territoires")
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
