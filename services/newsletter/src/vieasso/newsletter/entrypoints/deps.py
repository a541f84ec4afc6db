"""Shared pieces of the HTTP entrypoints: the running newsletter, forms, rate limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from vieasso.common.http.limits import read_body
from vieasso.common.web import ServiceStarting
from vieasso.newsletter.service import Newsletter

MAX_FORM_BYTES = 64 * 1024


def newsletter(request: Request) -> Newsletter:
    found: Newsletter | None = request.app.state.newsletter
    if found is None:
        raise ServiceStarting
    return found


Service = Annotated[Newsletter, Depends(newsletter)]


async def form(request: Request) -> dict[str, list[str]]:
    """An `application/x-www-form-urlencoded` body (no multipart needed here), refused with
    a 413 as soon as it passes `MAX_FORM_BYTES` (never read whole first)."""
    body = await read_body(request, MAX_FORM_BYTES)
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


class PerIpLimit:
    """At most `limit` requests per `window` seconds per IP (in this process)."""

    def __init__(self, limit: int, window: float) -> None:
        self._limit = limit
        self._window = window
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, ip: str | None) -> bool:
        now = time.monotonic()
        hits = self._hits[ip or "?"]
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            return False
        hits.append(now)
        if len(self._hits) > 100_000:  # noqa: PLR2004 - bound memory under a flood
            self._hits.clear()
        return True
