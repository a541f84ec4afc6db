"""Conditional GET and content negotiation for cached bytes (RFC 9110 §13, gzip).

Used by the FastAPI routes and by the ASGI fast path, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

from vieasso.agenda.adapters.feedcache import Rendered

CACHE_CONTROL = "public, max-age=300"
NOT_MODIFIED = 304


def _matches(if_none_match: str, etags: tuple[str, str]) -> bool:
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        if tag == "*" or tag in etags:
            return True
    return False


def _not_modified_since(if_modified_since: str, answer: Rendered) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    return answer.last_modified.replace(microsecond=0) <= since


def wire_answer(
    rendered: Rendered,
    *,
    accept_encoding: str,
    if_none_match: str | None,
    if_modified_since: str | None,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Like `answer`, with the headers encoded once per (encoding, status) and kept, `extra`
    (already encoded) appended."""
    status, headers, body = answer(
        rendered,
        accept_encoding=accept_encoding,
        if_none_match=if_none_match,
        if_modified_since=if_modified_since,
        encode_headers=False,
    )
    key = ("gzip" in accept_encoding, status)
    encoded = rendered.wire.get(key)
    if encoded is None:
        _, headers, _ = answer(
            rendered,
            accept_encoding=accept_encoding,
            if_none_match=if_none_match,
            if_modified_since=if_modified_since,
        )
        encoded = rendered.wire[key] = [(k.encode(), v.encode()) for k, v in headers] + [*extra]
    return status, encoded, body


def answer(
    rendered: Rendered,
    *,
    accept_encoding: str,
    if_none_match: str | None,
    if_modified_since: str | None,
    encode_headers: bool = True,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body for one request of `rendered` (no headers if not asked)."""
    gzipped = "gzip" in accept_encoding
    etag = rendered.gzip_etag if gzipped else rendered.etag
    if if_none_match is not None:
        fresh = _matches(if_none_match, (rendered.etag, rendered.gzip_etag))
    else:
        fresh = if_modified_since is not None and _not_modified_since(if_modified_since, rendered)
    if not encode_headers:
        if fresh:
            return NOT_MODIFIED, [], b""
        return 200, [], rendered.gzipped() if gzipped else rendered.body
    headers = [
        ("etag", etag),
        ("last-modified", format_datetime(rendered.last_modified, usegmt=True)),
        ("cache-control", CACHE_CONTROL),
        ("vary", "Accept-Encoding"),
    ]
    if fresh:
        return NOT_MODIFIED, headers, b""
    body = rendered.gzipped() if gzipped else rendered.body
    headers.append(("content-type", rendered.media_type))
    if gzipped:
        headers.append(("content-encoding", "gzip"))
    headers.append(("content-length", str(len(body))))
    return 200, headers, body


def send(request: Request, found: Rendered) -> Response:
    """`found` answered to `request` (304, gzip or identity), from a FastAPI route."""
    status, headers, body = answer(
        found,
        accept_encoding=request.headers.get("accept-encoding", ""),
        if_none_match=request.headers.get("if-none-match"),
        if_modified_since=request.headers.get("if-modified-since"),
    )
    return Response(content=body, status_code=status, headers=dict(headers))
