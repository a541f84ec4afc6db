"""CORS on the public feeds (`/feeds/*`: iCal, RSS, Atom, JSON-LD, CSV) and the events' iCal,
so that another site's script may read them (`fetch` from an association's own page).

`Access-Control-Allow-Origin: *` on GET only (the routes answer no other method), never with
credentials (no
`Allow-Credentials`: a browser then sends no cookie and shows nothing private), and the
validators exposed so that a script can poll with `If-None-Match`. A preflight (a script
sending `If-None-Match` itself) is answered here, 204, for GET only. Outermost ASGI
app: the feeds' fast path answers before FastAPI and gets the same headers.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC = re.compile(r"^/feeds/[^/]+(?:/[^/]+)?\.[a-z]+$|^/events/[^/]+/[^/]+\.ics$")
READ = frozenset({"GET"})
ALLOWED = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag, Last-Modified"),
]
PREFLIGHT = [
    *ALLOWED,
    (b"access-control-allow-methods", b"GET"),
    (b"access-control-allow-headers", b"If-None-Match, If-Modified-Since"),
    (b"access-control-max-age", b"86400"),
    (b"content-length", b"0"),
]


def public(path: str) -> bool:
    return PUBLIC.match(path) is not None


class PublicCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not public(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS" and _requested_method(scope) in READ:
            await send({"type": "http.response.start", "status": 204, "headers": PREFLIGHT})
            await send({"type": "http.response.body", "body": b""})
            return
        if method not in READ:
            await self.app(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*(message.get("headers") or []), *ALLOWED]
            await send(message)

        await self.app(scope, receive, with_cors)


def _requested_method(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"access-control-request-method":
            return str(value.decode("latin-1"))
    return None
