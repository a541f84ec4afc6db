"""Security headers on every response of a service, encoded once at start-up.

The pages use no JavaScript and no inline style, hence a strict CSP; `frame-ancestors` comes
from `VIEASSO_FRAME_ANCESTORS` ('none' until embeds exist), with the matching
`X-Frame-Options`. HSTS only when the public URL is https (browsers ignore it over http).
A header the route already set wins (the mail previews set their own CSP): the middleware
appends only what the response lacks, so its cost is one pass over the response's headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vieasso.common.settings import SERVICES, Settings

Headers = list[tuple[bytes, bytes]]

HSTS = "max-age=31536000"
REFERRER_POLICY = "strict-origin-when-cross-origin"
# FastAPI's /docs and /redoc load their scripts, styles and fonts from CDNs and run inline
# JavaScript; the proxy does not publish them (only the services' own ports do).
DOCS_SOURCES = (
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
    "worker-src 'self' blob:"
)
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
MAIL_SOURCES = "script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:"


def site_origins(settings: Settings) -> frozenset[str]:
    """Origins of the platform's pages: one behind the proxy, one per service's port in dev."""
    return frozenset(origin(settings.public_url(service)) for service in SERVICES)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(
    settings: Settings, sources: str = "script-src 'none'", frame_ancestors: str | None = None
) -> str:
    """The CSP of the pages, `sources` replacing `script-src 'none'` (docs, mail HTML)."""
    origins = site_origins(settings)  # in development the forms post across services' ports
    form_action = " ".join(["'self'", *sorted(origins)]) if len(origins) > 1 else "'self'"
    return (
        f"default-src 'self'; {sources}; object-src 'none'; base-uri 'none'; "
        f"form-action {form_action}; frame-ancestors {frame_ancestors or settings.frame_ancestors}"
    )


def mail_html_headers(settings: Settings, *, framed_here: bool = False) -> dict[str, str]:
    """Headers of a page that is a mail's HTML (inline styles, remote images), to set on the
    response so that they replace the pages' ones; `framed_here`: shown in a frame of ours."""
    ancestors = "'self'" if framed_here else settings.frame_ancestors
    return security_headers(
        settings, content_security_policy(settings, MAIL_SOURCES, ancestors), ancestors
    )


def frame_options(frame_ancestors: str) -> str | None:
    """X-Frame-Options for the browsers without CSP 3 (it cannot name other origins)."""
    return {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(frame_ancestors.strip())


def security_headers(
    settings: Settings, csp: str | None = None, frame_ancestors: str | None = None
) -> dict[str, str]:
    headers = {
        "content-security-policy": csp or content_security_policy(settings),
        "x-content-type-options": "nosniff",
        "referrer-policy": REFERRER_POLICY,
    }
    framing = frame_options(frame_ancestors or settings.frame_ancestors)
    if framing is not None:
        headers["x-frame-options"] = framing
    if settings.public_base_url is not None and settings.public_base_url.scheme == "https":
        headers["strict-transport-security"] = HSTS
    return headers


def encoded(headers: Mapping[str, str]) -> Headers:
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeaders:
    """Pure ASGI middleware appending pre-encoded headers the response does not have."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: Headers,
        by_path: Mapping[str, Headers] = {},
    ) -> None:
        self.app = app
        self.headers = headers
        self.by_path = dict(by_path)
        self.names = frozenset(name for h in (headers, *by_path.values()) for name, _ in h)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.by_path.get(scope["path"], self.headers)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = appended(message.get("headers") or [], extra, self.names)
            await send(message)

        await self.app(scope, receive, with_headers)


def appended(
    headers: Iterable[tuple[bytes, bytes]], extra: Headers, names: frozenset[bytes]
) -> Headers:
    """`headers` + the `extra` ones whose name is not among them (a new list)."""
    own = list(headers)
    if any(name in names for name, _ in own):
        present = {name for name, _ in own}
        return own + [h for h in extra if h[0] not in present]
    return own + extra
