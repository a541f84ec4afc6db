"""ASGI fast path: a feed URL already assembled is answered before FastAPI (outermost app).

Feed readers and calendar apps poll the same few URLs; once a route has rendered one, its
exact path and query string map to the cached bytes until the catalog changes. The service's
security headers (`build_app`'s middleware is inside the app, so not on this path) are
encoded into the cached header list once: answering costs nothing more.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from vieasso.agenda.adapters.feedcache import FeedCache, Rendered
from vieasso.agenda.entrypoints.conditional import wire_answer


class FeedFastPath:
    def __init__(
        self, app: ASGIApp, feeds: FeedCache, headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.app = app
        self.feeds = feeds
        self.headers = headers or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            rendered = self.feeds.recall(scope["path"], scope["query_string"])
            if rendered is not None:
                await self._send(scope, send, rendered)
                return
        await self.app(scope, receive, send)

    async def _send(self, scope: Scope, send: Send, rendered: Rendered) -> None:
        accept = inm = ims = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept = value.decode("latin-1")
            elif name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"if-modified-since":
                ims = value.decode("latin-1")
        status, headers, body = wire_answer(
            rendered,
            accept_encoding=accept or "",
            if_none_match=inm,
            if_modified_since=ims,
            extra=self.headers,
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
