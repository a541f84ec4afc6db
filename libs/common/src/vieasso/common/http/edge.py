"""The edge guards every service's app runs (`build_app` installs them), outermost first:
security headers (headers.py), the cross-origin guard (origin.py) and the body limit
(limits.py), and the French answers to the form limits. See docs/deploy.md."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vieasso.common.http.headers import (
    DOCS_PATHS,
    DOCS_SOURCES,
    SecurityHeaders,
    content_security_policy,
    encoded,
    security_headers,
)
from vieasso.common.http.limits import FORM_TOO_LARGE, BodyLimit, BodyTooLarge, is_form_limit
from vieasso.common.http.origin import CrossOriginGuard
from vieasso.common.http.refusal import refusal
from vieasso.common.settings import Settings


def install_edge_guards(
    app: FastAPI,
    settings: Settings,
    body_limits: Mapping[str, int],
    open_to_other_sites: Iterable[str],
    framed_by: Mapping[str, str] = {},
) -> None:
    """Starlette runs the middleware added last first: headers wrap the refusals too.
    `framed_by`: exact paths whose pages other sites may frame, with their frame-ancestors
    (the rest of the site keeps `settings.frame_ancestors` and its X-Frame-Options)."""

    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return refusal(request, settings, exc.status_code, exc.detail)

    async def bad_request(request: Request, exc: StarletteHTTPException) -> Response:
        """`Form()` parameters past `FORM_LIMITS`: the French 413 rather than Starlette's 400."""
        if is_form_limit(exc):
            return refusal(request, settings, 413, FORM_TOO_LARGE)
        handler = request.app.exception_handlers.get(StarletteHTTPException, http_exception_handler)
        response: Response = await handler(request, exc)
        return response

    app.add_exception_handler(BodyTooLarge, too_large)  # type: ignore[arg-type]
    app.add_exception_handler(400, bad_request)  # type: ignore[arg-type]
    app.add_middleware(BodyLimit, settings=settings, body_limits=body_limits)
    app.add_middleware(CrossOriginGuard, settings=settings, open_paths=open_to_other_sites)
    docs = encoded(security_headers(settings, content_security_policy(settings, DOCS_SOURCES)))
    app.state.security_headers = encoded(security_headers(settings))
    framed = {
        path: encoded(
            security_headers(
                settings, content_security_policy(settings, frame_ancestors=ancestors), ancestors
            )
        )
        for path, ancestors in framed_by.items()
    }
    app.add_middleware(
        SecurityHeaders,
        headers=app.state.security_headers,
        by_path=dict.fromkeys(DOCS_PATHS, docs) | framed,
    )
